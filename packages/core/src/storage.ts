import type { ConfState, Entry, HardState, Snapshot } from './types.js';

/**
 * Read access to a node's stable (persisted) state, used by `RaftNode`.
 * Writes are the host's job (it persists each `Ready` and then calls
 * `advance()`), so implementations add their own write methods.
 *
 * Indices: the log holds entries [firstIndex(), lastIndex()]. `term(i)` is
 * valid for i in [firstIndex() - 1, lastIndex()] (firstIndex() - 1 is the
 * snapshot's index, or 0 for an empty log whose term is 0).
 * Out-of-range reads throw `CompactedError` (below the snapshot) or
 * `UnavailableError` (beyond the last index).
 */
export interface Storage {
  initialState(): { hardState: HardState; confState: ConfState | null };
  firstIndex(): number;
  lastIndex(): number;
  term(index: number): number;
  /** Entries in [lo, hi), at least one entry if any is in range, then up to `maxBytes` of data. */
  entries(lo: number, hi: number, maxBytes?: number): Entry[];
  /** The latest snapshot, or null when none was ever taken. */
  snapshot(): Snapshot | null;
}
