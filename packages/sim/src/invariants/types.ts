import type { NodeId } from '@raftkit/core';

/** The safety (and end-of-run liveness) properties the simulator checks. */
export type InvariantName =
  | 'electionSafety'
  | 'leaderAppendOnly'
  | 'logMatching'
  | 'leaderCompleteness'
  | 'stateMachineSafety'
  | 'commitMonotonic'
  | 'ackedWriteLost'
  | 'splitBrainMonitor'
  /** Membership: only voters lead, committed configurations form a chain of single changes, snapshots carry the right one. */
  | 'membershipSafety'
  /** A leader's commit is durably held by a majority of the voters of the configuration it decided under. */
  | 'commitQuorum'
  /** A snapshot taken or restored holds the state every replica had at its index. */
  | 'snapshotSafety'
  | 'convergence'
  /** The core or the host threw where it must not (e.g. storage refused a write). */
  | 'exception';

export interface Violation {
  readonly invariant: InvariantName;
  /** Virtual time (microseconds) at which the breach was seen. */
  readonly time: number;
  readonly nodes: readonly NodeId[];
  /** The log index concerned, when there is one (e.g. where states diverged). */
  readonly index?: number;
  readonly message: string;
}

/** Where checkers report what they find. The simulation stops at the first report. */
export type ViolationSink = (v: Violation) => void;

/** Read access to one node's log, as its storage holds it right now. */
export interface LogView {
  firstIndex(): number;
  lastIndex(): number;
  /** Term of the entry at `index`; valid in [firstIndex() - 1, lastIndex()]. */
  term(index: number): number;
}

/** Term at `index` or null when it is outside what `log` holds (compacted or beyond the end). */
export function termOrNull(log: LogView, index: number): number | null {
  if (index < log.firstIndex() - 1 || index > log.lastIndex()) return null;
  return log.term(index);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
