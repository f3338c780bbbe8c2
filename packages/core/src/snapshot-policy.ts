/**
 * When to take a snapshot: one pure rule shared by every host (runtime,
 * simulator, tests), so they all compact at the same points for the same
 * inputs. A host takes a snapshot of its state machine at its applied index
 * once enough has been applied since the last one, by entry count or by
 * payload bytes, whichever comes first.
 */

import type { ResolvedRaftTuning } from './resolved-config.js';

/** The tuning options of the policy (RaftTuning): 0 disables a trigger. */
export type SnapshotPolicy = Pick<ResolvedRaftTuning, 'snapshotEntries' | 'snapshotBytes'>;

export interface SnapshotProgress {
  /** Last index applied to the state machine. */
  readonly appliedIndex: number;
  /** Index of the latest snapshot (0 when none was taken). */
  readonly snapshotIndex: number;
  /** Entry payload bytes applied after `snapshotIndex`. */
  readonly bytesSinceSnapshot: number;
  /**
   * A snapshot received from the leader is accepted but not yet persisted and
   * restored: the state machine is about to be replaced, and the membership
   * below that snapshot is no longer known (`confStateAt` refuses it). No
   * snapshot of the host's own then.
   */
  readonly installing?: boolean;
}

/** True when a snapshot at `appliedIndex` is due under `policy`. Pure and deterministic. */
export function shouldSnapshot(progress: SnapshotProgress, policy: SnapshotPolicy): boolean {
  if (progress.installing === true) return false;
  const entries = progress.appliedIndex - progress.snapshotIndex;
  if (entries <= 0) return false;
  if (policy.snapshotEntries > 0 && entries >= policy.snapshotEntries) return true;
  return policy.snapshotBytes > 0 && progress.bytesSinceSnapshot >= policy.snapshotBytes;
}
