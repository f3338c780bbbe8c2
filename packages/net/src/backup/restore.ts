import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { seedStoreFromSnapshot } from '@raftkit/runtime';
import type { HostPort } from '../address.js';
import { NetConfigError } from '../errors.js';
import { writeNodeIdentity } from '../node/data-dir.js';
import { decodeSnapshotFile, type SnapshotFileHeader } from './snapshot-file.js';

export interface RestoreOptions {
  readonly file: string;
  /** The new node's data dir: must not exist or be empty. */
  readonly dataDir: string;
  readonly id: string;
  /** The other members of the new cluster (every restored node gets the same set). */
  readonly peers: ReadonlyMap<string, HostPort>;
  readonly clusterId?: string;
}

/**
 * `raftkit snapshot restore`: seed the data dir of one node of a new cluster
 * from a backup (like `etcdctl snapshot restore`): its store holds the
 * backup's state as a snapshot at the backup's index and term, with the new
 * cluster's membership (this id and `peers`, all voters), and node.json says
 * whose data it is. The file is verified completely first: a damaged file is
 * refused (SnapshotFileError) and nothing is written; a data dir that holds
 * anything is refused too. Returns the backup's header.
 */
export async function restoreSnapshot(opts: RestoreOptions): Promise<SnapshotFileHeader> {
  const { header, data } = decodeSnapshotFile(readFileSync(opts.file), opts.file);
  if (opts.peers.has(opts.id)) throw new NetConfigError(`--peers must not list the node itself (${opts.id})`);
  if (existsSync(opts.dataDir) && readdirSync(opts.dataDir).length > 0) {
    throw new NetConfigError(`${opts.dataDir} is not empty: a restore seeds a new data dir`);
  }
  const created = !existsSync(opts.dataDir);
  mkdirSync(opts.dataDir, { recursive: true });
  const voters = [opts.id, ...opts.peers.keys()].sort();
  try {
    await seedStoreFromSnapshot({
      path: join(opts.dataDir, 'raft'),
      nodeId: opts.id,
      index: header.index,
      term: header.term,
      // The same membership on every restored node; peer addresses come from --peers at the first start.
      conf: { voters, learners: [] },
      data,
    });
    writeNodeIdentity(opts.dataDir, {
      id: opts.id,
      clusterId: opts.clusterId ?? 'raftkit',
      starts: 0,
      members: voters,
    });
  } catch (error) {
    // Leave nothing half-written behind.
    if (created) rmSync(opts.dataDir, { recursive: true, force: true });
    else
      for (const f of readdirSync(opts.dataDir))
        rmSync(join(opts.dataDir, f), { recursive: true, force: true });
    throw error;
  }
  return header;
}
