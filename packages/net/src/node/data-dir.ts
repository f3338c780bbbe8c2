import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetConfigError } from '../errors.js';

/**
 * `<dataDir>/node.json` records whose data this is. It guards against the
 * mistakes that break Raft's safety silently: starting n2 on n1's data, or a
 * node of one cluster on another cluster's data, and starting empty where a
 * store was expected (a node that forgot its vote could vote twice in a term).
 */
export interface NodeIdentity {
  readonly id: string;
  readonly clusterId: string;
  /** Completed starts before this one: the actor's incarnation number. */
  readonly starts: number;
}

export interface PreparedDataDir {
  readonly storePath: string;
  /** 'mustExist' once the node has started here before. */
  readonly mode: 'createIfMissing' | 'mustExist';
  readonly epoch: number;
  /** Record this start (call once the actor runs). */
  commit(): void;
}

export function prepareDataDir(dataDir: string, id: string, clusterId: string): PreparedDataDir {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'node.json');
  let previous: NodeIdentity | null = null;
  if (existsSync(file)) {
    try {
      previous = JSON.parse(readFileSync(file, 'utf8')) as NodeIdentity;
    } catch (error) {
      throw new NetConfigError(`${file} is unreadable (${(error as Error).message}); refusing to start`);
    }
    if (previous.id !== id)
      throw new NetConfigError(`${dataDir} holds the data of node ${previous.id}, not ${id}`);
    if (previous.clusterId !== clusterId) {
      throw new NetConfigError(`${dataDir} belongs to cluster "${previous.clusterId}", not "${clusterId}"`);
    }
  }
  const starts = previous?.starts ?? 0;
  return {
    storePath: join(dataDir, 'raft'),
    mode: previous ? 'mustExist' : 'createIfMissing',
    epoch: starts,
    commit() {
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, JSON.stringify({ id, clusterId, starts: starts + 1 } satisfies NodeIdentity));
      renameSync(tmp, file);
    },
  };
}
