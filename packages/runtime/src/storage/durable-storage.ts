import type { Entry, HardState, Snapshot, Storage } from '@raftkit/core';

/** The writes of one `Ready`, made durable together. */
export interface PersistBatch {
  readonly hardState: HardState | null;
  /** New entries; entries[0].index may be <= lastIndex(), which truncates the conflicting suffix. */
  readonly entries: readonly Entry[];
  /** A snapshot that replaces the whole log up to its index (installed from a leader). */
  readonly snapshot: Snapshot | null;
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
}

/**
 * A node's stable storage as the runtime uses it: core's synchronous read
 * interface plus an asynchronous, durable `persist` of one Ready's writes.
 * Reads reflect only writes whose persist() has resolved.
 */
export interface DurableStorage extends Storage {
  readonly kind: 'lmdb' | 'memory';
  /** Where the store lives (null for memory). */
  readonly path: string | null;
  persist(batch: PersistBatch): Promise<void>;
  stats(): StorageStats;
  close(): Promise<void>;
}
