import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfState, NodeId } from '@raftkit/core';
import { StorageError } from '../errors.js';
import { packEnvelope, type SnapshotCompression } from '../snapshot/envelope.js';
import { LmdbStorage } from './lmdb-storage.js';

export interface SeedSnapshot {
  /** The store's directory (must not hold a store yet). */
  readonly path: string;
  readonly nodeId: NodeId;
  /** Index and term the snapshot stands for: the new log begins right after it. */
  readonly index: number;
  readonly term: number;
  /** The membership of the new cluster. */
  readonly conf: ConfState;
  /** The state machine's snapshot bytes (`snapshot()` of the state machine). */
  readonly data: Uint8Array;
  /** Default 'deflate'. */
  readonly compression?: SnapshotCompression;
}

/**
 * Create a node's LMDB store holding only a snapshot (disaster recovery: the
 * data dir of a new cluster seeded from a backup). The snapshot, its
 * compaction point and a hard state that commits it are written in one
 * synced transaction, exactly as a snapshot installed from a leader, so the
 * actor restores the state machine from it at start. Refuses a path that
 * already holds a store (StorageError 'inconsistent'): nothing is overwritten.
 */
export async function seedStoreFromSnapshot(seed: SeedSnapshot): Promise<void> {
  if (existsSync(join(seed.path, 'data.mdb'))) {
    throw new StorageError(
      'inconsistent',
      seed.path,
      'a store exists already; a restore needs an empty place',
    );
  }
  const storage = LmdbStorage.open({ path: seed.path, nodeId: seed.nodeId, mode: 'createIfMissing' });
  try {
    await storage.persist({
      hardState: { term: seed.term, vote: null, commit: seed.index },
      entries: [],
      snapshot: {
        meta: { index: seed.index, term: seed.term, conf: seed.conf },
        data: packEnvelope(seed.data, { compression: seed.compression ?? 'deflate' }),
      },
      mustSync: true,
    });
  } finally {
    await storage.close();
  }
}
