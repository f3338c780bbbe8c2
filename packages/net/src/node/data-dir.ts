import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { storageErrorFrom } from '@raftkit/runtime';
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
  /** Set once the node was removed from the cluster: its data must not serve again. */
  readonly removed?: boolean;
  /**
   * Which kind of state machine wrote the log: the built-in KV store or an app machine
   * (`--state-machine`). A KV log replayed into an app machine (or the reverse) would
   * apply nothing and serve an empty state, so a start of the other kind is refused.
   */
  readonly machine?: StateMachineKind;
}

export type StateMachineKind = 'kv' | 'app';

export interface PreparedDataDir {
  readonly storePath: string;
  /** 'mustExist' once the node has started here before. */
  readonly mode: 'createIfMissing' | 'mustExist';
  readonly epoch: number;
  /** Record this start (call once the actor runs). */
  commit(): void;
  /** Record that the node was removed from the cluster (a later start is refused). */
  markRemoved(): void;
}

export function prepareDataDir(
  dataDir: string,
  id: string,
  clusterId: string,
  machine?: StateMachineKind,
): PreparedDataDir {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw storageErrorFrom(error, dataDir, 'cannot create the data directory');
  }
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
    if (machine !== undefined && previous.machine !== undefined && previous.machine !== machine) {
      const kind = (k: StateMachineKind) => (k === 'kv' ? 'the built-in KV store' : 'an app state machine');
      throw new NetConfigError(
        `${dataDir} holds the log of ${kind(previous.machine)}; node ${id} was started with ` +
          `${kind(machine)} (${machine === 'kv' ? 'no --state-machine' : '--state-machine'}): refusing to start`,
      );
    }
    if (previous.removed) {
      throw new NetConfigError(
        `node ${id} was removed from the cluster: its data in ${dataDir} must not serve again ` +
          '(start a new member with an empty --data and --join)',
      );
    }
  }
  const starts = previous?.starts ?? 0;
  const kind = machine ?? previous?.machine;
  const identity = (extra: Partial<NodeIdentity>): NodeIdentity => ({
    id,
    clusterId,
    starts: starts + 1,
    ...(kind !== undefined ? { machine: kind } : {}),
    ...extra,
  });
  return {
    storePath: join(dataDir, 'raft'),
    mode: previous ? 'mustExist' : 'createIfMissing',
    epoch: starts,
    commit() {
      writeNodeIdentity(dataDir, identity({}));
    },
    markRemoved() {
      writeNodeIdentity(dataDir, identity({ removed: true }));
    },
  };
}

/**
 * Replace `file` with `text` durably: write and fsync a temp file beside it,
 * rename it over the file, fsync the directory. On any failure the temp file
 * is removed (a full disk must not leave `node.json.tmp` behind) and the error
 * is a StorageError naming the file (permission, noSpace or io).
 */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw storageErrorFrom(error, file, 'cannot write');
  }
  try {
    const dir = openSync(dirname(file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some file systems do not fsync directories; the rename itself is done.
  }
}

/** Whether `dataDir` holds a node already (its node.json): such a dir is never joined or restored into. */
export function holdsNode(dataDir: string): boolean {
  return existsSync(join(dataDir, 'node.json'));
}

/** Write `<dataDir>/node.json` atomically (a restore seeds it; every start records itself). */
export function writeNodeIdentity(dataDir: string, identity: NodeIdentity): void {
  writeFileAtomic(join(dataDir, 'node.json'), JSON.stringify(identity satisfies NodeIdentity));
}
