import type { Storage } from './storage.js';
import type { NodeId, ReadMode } from './types.js';

export interface RaftConfig {
  readonly id: NodeId;
  /** Stable storage; on restart it holds term, vote, log and membership. */
  readonly storage: Storage;
  /** Voters to bootstrap with when storage holds no membership yet (includes `id`). */
  readonly peers?: readonly NodeId[];
  /** Learners to bootstrap with when storage holds no membership yet. */
  readonly learners?: readonly NodeId[];
  /** Seed of the RNG behind election timeout jitter. Same seed, same inputs => same outputs. */
  readonly seed: number;
  /** Base election timeout in ticks; the actual timeout is drawn from [electionTicks, 2*electionTicks). Default 10. */
  readonly electionTicks?: number;
  /** Heartbeat interval in ticks. Default 1. Must be < electionTicks. */
  readonly heartbeatTicks?: number;
  /** Pre-Vote (thesis 9.6). Default true. */
  readonly preVote?: boolean;
  /** CheckQuorum: a leader without quorum contact for an election timeout steps down. Default true. */
  readonly checkQuorum?: boolean;
  /** Leader stickiness: ignore (pre-)votes while a leader was heard within the election timeout. Default true. */
  readonly leaderStickiness?: boolean;
  /** Default read mode of readIndex(). 'lease' requires checkQuorum and leaderStickiness. Default 'readIndex'. */
  readonly readMode?: ReadMode;
  /** Clock-drift bound in ticks subtracted from the leader lease. Default 1. */
  readonly maxClockDriftTicks?: number;
  /** Max entries in one append message. Default 256. */
  readonly maxEntriesPerMsg?: number;
  /** Max entry payload bytes in one append message (at least one entry is always sent). Default 1 MiB. */
  readonly maxBytesPerMsg?: number;
  /** Max in-flight append messages per follower in replicate state. Default 64. */
  readonly maxInflightMsgs?: number;
  /** Max payload bytes of a single proposal. Default 8 MiB. */
  readonly maxProposalBytes?: number;
  /** Last index the host's state machine has applied (restart). Default: the snapshot index. */
  readonly applied?: number;
  /**
   * Snapshot policy (`snapshotDue()` / `shouldSnapshot`): take a snapshot once this many
   * entries were applied since the last one. 0 disables this trigger. Default 10_000.
   */
  readonly snapshotEntries?: number;
  /** Snapshot policy: once this many entry payload bytes were applied since the last one. 0 disables. Default 64 MiB. */
  readonly snapshotBytes?: number;
  /** Bytes of snapshot data per InstallSnapshot chunk message. Default 1 MiB. */
  readonly snapshotChunkBytes?: number;
  /** Largest snapshot this node accepts from a leader; a larger one is rejected before anything is buffered. Default 1 GiB. */
  readonly maxSnapshotBytes?: number;
  /**
   * `promote` accepts a learner only if it is replicating and at most this many
   * entries behind the leader's commit index (else dropped 'learnerNotCaughtUp'). Default 0.
   */
  readonly promoteMaxLag?: number;
}
