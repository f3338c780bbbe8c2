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

/**
 * The snapshot and compaction operations a host needs, as an optional
 * extension of `Storage` (MemoryStorage implements it; a durable storage can
 * implement the same methods). The host calls them; the node only reads.
 * (Installing a snapshot received from the leader, `Ready.snapshot`, is part
 * of persisting a Ready: `MemoryStorage.applySnapshot` or the storage's own
 * batch write.)
 *
 * Order and durability: `createSnapshot(i, conf, data)` then `compact(i)`,
 * both taking effect for readers at once and becoming durable together at the
 * storage's next sync (commit) point. A crash before it loses both and leaves
 * the old snapshot and the full log; a crash after it keeps both. Either way
 * nothing committed is lost, because compaction never passes the snapshot.
 */
export interface SnapshotStorage extends Storage {
  /**
   * Record a snapshot of the state machine as of applied index `index`
   * (committed, at most lastIndex(), newer than the current snapshot).
   * Storage looks up the entry's term; `conf` must be the membership in force
   * at `index` (`RaftNode.confStateAt(index)`), not a later uncommitted one.
   */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot;
  /**
   * Discard the log up to and including `index`, which must not pass the
   * latest snapshot (else the entries between would be lost for good).
   * `index` becomes the compaction point: its term stays known.
   */
  compact(index: number): void;
}

/** True when `storage` implements the SnapshotStorage operations. */
export function isSnapshotStorage(storage: Storage): storage is SnapshotStorage {
  const s = storage as Partial<SnapshotStorage>;
  return typeof s.createSnapshot === 'function' && typeof s.compact === 'function';
}
