import type { ConfState, Entry, HardState, Snapshot, SnapshotStorage } from '@raftkit/core';

/** The writes of one `Ready`, made durable together. */
export interface PersistBatch {
  readonly hardState: HardState | null;
  /** New entries; entries[0].index may be <= lastIndex(), which truncates the conflicting suffix. */
  readonly entries: readonly Entry[];
  /** A snapshot that replaces the whole log up to its index (installed from a leader). */
  readonly snapshot: Snapshot | null;
  /** CRC-32 of `snapshot.data` when the caller already computed it (on the side-work pool). */
  readonly snapshotChecksum?: number;
  /**
   * Whether the caller needs the batch synced before the promise resolves
   * (Ready.mustSync). A batch that only moves the commit index need not be.
   */
  readonly mustSync?: boolean;
}

export interface StorageStats {
  readonly kind: 'lmdb' | 'memory';
  /** Transactions (LMDB) or batches (memory) written. */
  readonly batches: number;
  readonly entriesWritten: number;
  readonly bytesWritten: number;
  /** Suffix entries removed because a leader overwrote them. */
  readonly entriesTruncated: number;
  /** Mean time from persist() call to durable, ms (over all synced batches). */
  readonly meanPersistMs: number;
  /** Reads served from LMDB rather than the in-memory tail cache. */
  readonly cacheMisses: number;
  /** Snapshots made durable (taken here or installed from a leader). */
  readonly snapshotsWritten: number;
  /** Log entries removed by compaction (behind a snapshot). */
  readonly entriesCompacted: number;
}

/**
 * A node's stable storage as the runtime uses it: core's synchronous read
 * interface and snapshot operations, plus an asynchronous, durable `persist`
 * of one Ready's writes. Reads reflect only writes whose persist() has
 * resolved, except `createSnapshot` / `compact`, which take effect for readers
 * at once and become durable together in the next write transaction
 * (`flush()` forces one).
 */
export interface DurableStorage extends SnapshotStorage {
  readonly kind: 'lmdb' | 'memory';
  /** Where the store lives (null for memory). */
  readonly path: string | null;
  /** The store's incarnation, created with it (core README, "Identity"). */
  readonly incarnation: number;
  persist(batch: PersistBatch): Promise<void>;
  /** `checksum`: CRC-32 of `data` when the caller already has it. */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array, checksum?: number): Snapshot;
  /** Make pending snapshot / compaction (and a lazily kept commit index) durable now. */
  flush(): Promise<void>;
  stats(): StorageStats;
  close(): Promise<void>;
}
