import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { seal, storageErrorFrom, verifySealed } from '@raftkit/runtime';
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
  /**
   * Every member this data dir has known: the bootstrap membership (the
   * initial members of `--peers`, itself alone for `--single-node`, the
   * configuration it joined), then each member seen since. A later start told
   * peers of which none ever was a member is refused: another cluster.
   */
  readonly members?: readonly string[];
}

/** How the command line says to start: what a first start must make explicit. */
export interface StartIntent {
  /** Ids of `--peers`. */
  readonly peers: readonly string[];
  readonly singleNode: boolean;
  /** The membership a joining node was given (`--join`), or null. */
  readonly joined: readonly string[] | null;
  /** The kind of state machine this start runs (undefined: not said). */
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
  /** Record members seen in a configuration (written only when one is new). */
  recordMembers(ids: readonly string[]): void;
}

export function prepareDataDir(
  dataDir: string,
  id: string,
  clusterId: string,
  intent: StartIntent,
): PreparedDataDir {
  const file = join(dataDir, 'node.json');
  const previous = isPresent(file) ? readNodeIdentity(file) : null;
  if (previous) checkRestart(dataDir, previous, id, clusterId, intent);
  else checkFirstStart(dataDir, intent);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw storageErrorFrom(error, dataDir, 'cannot create the data directory');
  }
  const starts = previous?.starts ?? 0;
  const kind = intent.machine ?? previous?.machine;
  let members = new Set(
    previous ? (previous.members ?? []) : (intent.joined ?? [id, ...intent.peers]).concat(id),
  );
  const identity = (extra: Partial<NodeIdentity> = {}): NodeIdentity => ({
    id,
    clusterId,
    starts: starts + 1,
    ...(kind !== undefined ? { machine: kind } : {}),
    ...(members.size > 0 ? { members: [...members].sort() } : {}),
    ...extra,
  });
  let committed = false;
  return {
    storePath: join(dataDir, 'raft'),
    mode: previous ? 'mustExist' : 'createIfMissing',
    epoch: starts,
    commit() {
      writeNodeIdentity(dataDir, identity());
      committed = true;
    },
    markRemoved() {
      writeNodeIdentity(dataDir, identity({ removed: true }));
    },
    recordMembers(ids) {
      if (!committed || ids.every((m) => members.has(m))) return;
      members = new Set([...members, ...ids]);
      writeNodeIdentity(dataDir, identity());
    },
  };
}

/** node.json, its checksum verified (a file written before checksums has none and is accepted). */
function readNodeIdentity(file: string): NodeIdentity {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw storageErrorFrom(error, file, 'cannot read');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new NetConfigError(`${file} is unreadable (${(error as Error).message}); refusing to start`);
  }
  verifySealed(file, 'node.json', parsed, true);
  const { check: _check, ...identity } = parsed as NodeIdentity & { check?: number };
  return identity;
}

function checkRestart(
  dataDir: string,
  previous: NodeIdentity,
  id: string,
  clusterId: string,
  intent: StartIntent,
): void {
  if (previous.id !== id)
    throw new NetConfigError(`${dataDir} holds the data of node ${previous.id}, not ${id}`);
  if (previous.clusterId !== clusterId) {
    throw new NetConfigError(`${dataDir} belongs to cluster "${previous.clusterId}", not "${clusterId}"`);
  }
  const machine = intent.machine;
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
  const known = previous.members;
  if (!known) return; // recorded before membership was
  const others = known.filter((m) => m !== id);
  if (intent.singleNode && others.length > 0) {
    throw new NetConfigError(
      `${dataDir} holds node ${id} of a cluster of ${known.join(',')}, but --single-node says a cluster of one: ` +
        'drop --single-node (a node changes clusters only with an empty --data and --join)',
    );
  }
  if (intent.peers.length > 0 && !intent.peers.some((p) => others.includes(p))) {
    throw new NetConfigError(
      `${dataDir} holds node ${id} of a cluster whose members were ${known.join(',')}, but --peers names ` +
        `${intent.peers.join(',')}, none of which ever was a member: wrong --data or wrong --peers? ` +
        '(a node changes clusters only with an empty --data and --join)',
    );
  }
}

/**
 * Whether a file is there. Only "no such file" is an answer: a directory we
 * may not read is a permission error, not a first start (existsSync says
 * false for both).
 */
function isPresent(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw storageErrorFrom(error, path, 'cannot look for it');
  }
}

function checkFirstStart(dataDir: string, intent: StartIntent): void {
  const store = join(dataDir, 'raft');
  if (isPresent(store)) {
    throw new NetConfigError(
      `${dataDir} holds a store (${store}) but no node.json saying whose: refusing to start on it`,
    );
  }
  if (intent.joined || intent.singleNode || intent.peers.length > 0) return;
  throw new NetConfigError(
    `${dataDir} holds no node yet and the command line does not say how to start one: pass ` +
      '--peers ID=HOST:PORT,... to form a new cluster (every other initial member, the same set on each), ' +
      '--join HOST:PORT,... to add this node to a running cluster, or --single-node for a cluster of one',
  );
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
  writeFileAtomic(join(dataDir, 'node.json'), JSON.stringify(seal(identity satisfies NodeIdentity)));
}
