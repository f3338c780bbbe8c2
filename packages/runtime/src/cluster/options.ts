import {
  ConfigError,
  type NodeId,
  type RaftTuning,
  type ResolvedRaftTuning,
  validateRaftTuning,
} from '@raftkit/core';
import { InvalidRequestError } from '../errors.js';
import type { StateMachineSpec } from '../machine/state-machine-spec.js';
import type { SnapshotCompression } from '../snapshot/envelope.js';
import type { LmdbDurability } from '../storage/lmdb-storage.js';

/** How one node hosted by this process starts (see `ClusterOptions.nodeOptions`). */
export interface LocalNodeOptions {
  /** The node's LMDB directory; a relative path is taken from `dataDir`. Default `<dataDir>/<id>`. */
  readonly storePath?: string;
  /**
   * The store must already exist on the first start too (a process restarting a
   * node it ran before: starting it empty could make it vote twice in a term).
   * Default false (created if missing).
   */
  readonly mustExist?: boolean;
  /** Incarnation number of the first start (earlier starts of this store elsewhere). Default 0. */
  readonly epoch?: number;
  /**
   * A node joining a running cluster: the membership it starts with while its
   * store holds none (the cluster's current voters and learners, itself among
   * the learners, so it never campaigns before the leader has added it).
   * Default: every id of `nodes` a voter.
   */
  readonly joining?: { readonly voters: readonly NodeId[]; readonly learners: readonly NodeId[] };
}

/**
 * Wall-clock length of a tick, for every host on the runtime (createCluster,
 * `raftkit node`, the demo): elections in 500-1000 ms (10-20 ticks) leave
 * room for a round trip between machines and for event-loop stalls of a
 * loaded host without spurious elections, and a leader that lost its quorum
 * steps down within 500 ms.
 */
export const DEFAULT_TICK_MS = 50;

/**
 * RaftTuning options createCluster also accepts flat, beside `raft` (the
 * options it took before `raft` existed): mapped onto the tuning in one
 * place, raftTuningOf.
 */
export const FLAT_RAFT_OPTIONS = [
  'electionTicks',
  'heartbeatTicks',
  'preVote',
  'checkQuorum',
  'readMode',
  'maxProposalBytes',
  'maxBytesPerMsg',
  'maxInflightMsgs',
  'maxClockDriftTicks',
  'checkpointInterval',
  'checkpointGraceIntervals',
  'checkpointGraceTicks',
  'timeouts',
  'minElectionTicks',
  'maxElectionTicks',
  'priorityTransferDelayTicks',
  'snapshotEntries',
  'snapshotBytes',
  'snapshotChunkBytes',
  'maxSnapshotBytes',
  'promoteMaxLag',
] as const satisfies readonly (keyof RaftTuning)[];

/** The flat aliases: `{ electionTicks: 20 }` means `{ raft: { electionTicks: 20 } }`. */
export type FlatRaftOptions = Pick<RaftTuning, (typeof FLAT_RAFT_OPTIONS)[number]>;

export interface ClusterOptions extends FlatRaftOptions {
  /** Number of nodes (ids n1..nN) or the list of ids: every voter of the cluster. Default 3. */
  readonly nodes?: number | readonly NodeId[];
  /**
   * The ids this process hosts: only these get a worker actor. The others are
   * remote, reached through links plugged into `cluster.router.addLink(...)`
   * (e.g. @raftkit/net's TCP transport). Default: all of `nodes`.
   */
  readonly local?: readonly NodeId[];
  /** Per local node: where its store lives, whether it must exist, its first epoch. */
  readonly nodeOptions?: Readonly<Record<NodeId, LocalNodeOptions>>;
  /**
   * false: create the cluster without starting any node, so the caller can
   * subscribe to `cluster.events` and add router links before the first tick;
   * then `await cluster.start()`. Default true.
   */
  readonly start?: boolean;
  /** Durable LMDB storage (default) or in-memory storage (lost when a node is killed). */
  readonly storage?: 'lmdb' | 'memory';
  /** Where node stores live (`<dataDir>/<id>`). Default: a fresh temp dir, removed by close(). */
  readonly dataDir?: string;
  /** How LMDB waits for durability. Default 'syncCommit'. */
  readonly durability?: LmdbDurability;
  /** Wall-clock length of one Raft tick (the core counts ticks). Default DEFAULT_TICK_MS (50 ms). */
  readonly tickMs?: number;
  /**
   * How every node runs Raft: core's RaftTuning (election and heartbeat
   * ticks, Pre-Vote, CheckQuorum, read mode, message and proposal limits,
   * snapshots, checkpoints, timeouts; see @raftkit/core). Unset options take
   * core's defaults (RAFT_DEFAULTS). Checked by core's rules
   * before any worker starts (an InvalidRequestError naming the option).
   * A host with a frame limit keeps `maxProposalBytes` below it (an entry
   * must fit in one frame); with `maxBytesPerMsg`, `maxInflightMsgs` bounds
   * the bytes in flight per follower (etcd's MaxInflightBytes).
   * The options of FLAT_RAFT_OPTIONS may also be given flat, as before
   * (`electionTicks: 20` = `raft: { electionTicks: 20 }`).
   */
  readonly raft?: RaftTuning;
  /**
   * Largest batch of frames an actor hands over for one destination: the
   * frames of a Ready for one peer are split into batches of at most this
   * many bytes (one frame alone may exceed it), small control messages
   * (heartbeats, votes, acknowledgements) first, appends after. A transport
   * with a frame limit sets it below that limit. Default: unbounded.
   */
  readonly maxBatchBytes?: number;
  /** The replicated state machine. Default: the built-in KV store. */
  readonly stateMachine?: StateMachineSpec;
  /** Seed for election jitter (per node, derived) and the router's fault decisions. Default 1. */
  readonly seed?: number;
  /**
   * Let the local actors send each other's frame batches on direct
   * MessagePorts, skipping the main-thread router, on every link the fault
   * table leaves untouched (faulted links, remote nodes and injected frames
   * always pass the router). false: every batch goes through the router.
   * Default true.
   */
  readonly directLinks?: boolean;
  /**
   * A leader sends its appends while it writes its own copy of the entries
   * (Raft thesis §10.2.1, as etcd does): one synced write leaves each
   * replication round's critical path. Only when the core says the Ready's
   * messages depend on nothing it writes (Ready.messagesMayPrecedePersist);
   * votes, acknowledgements and everything of a non-leader still wait for the
   * write. false: every Ready is persisted before any of its messages leave.
   * Default true.
   */
  readonly parallelLeaderWrites?: boolean;
  /** Period of the 'status' event while someone listens. Default 250 ms. */
  readonly statusIntervalMs?: number;
  /** Verify each node's incremental state hash on the side-work pool every N applied entries (0: never). Default 100_000 (it snapshots the state on the actor thread). */
  readonly hashCheckEvery?: number;
  /** Repair a node (as `cluster.repair(id)`) as soon as a confirmed divergence names it. Default false. */
  readonly autoRepair?: boolean;
  /** Leader priority per node (integer >= 0; default 0): the highest healthy, caught-up one ends up leading. */
  readonly priorities?: Readonly<Record<NodeId, number>>;
  /** Threads of the shared side-work pool. Default 1. */
  readonly sideWorkThreads?: number;
  /** How long a node may take to start. Default 15 s. */
  readonly startTimeoutMs?: number;

  // ---- snapshots and compaction (when: raft.snapshotEntries / snapshotBytes)
  /**
   * Log entries kept behind a new snapshot, so followers lagging by fewer
   * entries catch up from the log instead of a whole snapshot. 0: the log
   * is compacted up to the snapshot. Default 1000.
   */
  readonly snapshotCatchUpEntries?: number;
  /**
   * Snapshots paced by the state's size: a snapshot costs O(state), so one is
   * taken only once the entry bytes applied since the last one reach this x
   * the last snapshot's size, on top of snapshotEntries / snapshotBytes. The
   * cost per write then stays flat as the state grows; the log kept (and
   * replayed by a restart) is at most about this x the state. The periodic
   * full hash check (hashCheckEvery) is paced at 4x this. 0: no pacing. States
   * under 1 MiB (serialized) are not paced. Default 0.5.
   */
  readonly snapshotStateRatio?: number;
  /** How snapshots are stored and sent. Default 'deflate'. */
  readonly snapshotCompression?: SnapshotCompression;
  /** deflate level 0-9 (default 3) or brotli quality 0-11 (default 4). */
  readonly snapshotCompressionLevel?: number;

  // ---- membership (how far behind a learner may be promoted: raft.promoteMaxLag)
  /** Deadline of `cluster.addNode` / `cluster.removeNode` (catching up included). Default 30 s. */
  readonly membershipTimeoutMs?: number;
}

export interface ResolvedOptions {
  readonly ids: readonly NodeId[];
  /** Ids with a worker in this process (a subset of ids, in ids' order). */
  readonly local: readonly NodeId[];
  readonly nodeOptions: Readonly<Record<NodeId, LocalNodeOptions>>;
  readonly storage: 'lmdb' | 'memory';
  readonly durability: LmdbDurability;
  readonly tickMs: number;
  /** Every Raft option, resolved and checked by core's rules. */
  readonly raft: ResolvedRaftTuning;
  readonly maxBatchBytes: number;
  readonly stateMachine: StateMachineSpec;
  readonly seed: number;
  readonly directLinks: boolean;
  readonly parallelLeaderWrites: boolean;
  readonly statusIntervalMs: number;
  readonly hashCheckEvery: number;
  readonly autoRepair: boolean;
  readonly priorities: Readonly<Record<NodeId, number>>;
  readonly sideWorkThreads: number;
  readonly startTimeoutMs: number;
  readonly snapshotCatchUpEntries: number;
  readonly snapshotStateRatio: number;
  readonly snapshotCompression: SnapshotCompression;
  readonly snapshotCompressionLevel: number | undefined;
  readonly membershipTimeoutMs: number;
}

export function resolveOptions(o: ClusterOptions): ResolvedOptions {
  if (o === null || typeof o !== 'object') throw new InvalidRequestError('cluster options must be an object');
  checkCloneable(o);
  const nodes = o.nodes ?? 3;
  if (typeof nodes === 'number' && !(Number.isSafeInteger(nodes) && nodes >= 1)) {
    throw new InvalidRequestError(`nodes must be a positive integer or a list of ids, got ${nodes}`);
  }
  if (typeof nodes !== 'number' && !Array.isArray(nodes)) {
    throw new InvalidRequestError(`nodes must be a positive integer or a list of ids, got ${String(nodes)}`);
  }
  if (o.dataDir !== undefined && (typeof o.dataDir !== 'string' || o.dataDir === '')) {
    throw new InvalidRequestError(`dataDir must be a directory path, got ${String(o.dataDir)}`);
  }
  const ids = typeof nodes === 'number' ? Array.from({ length: nodes }, (_, i) => `n${i + 1}`) : [...nodes];
  if (ids.length === 0) throw new InvalidRequestError('a cluster needs at least one node');
  if (new Set(ids).size !== ids.length)
    throw new InvalidRequestError(`duplicate node ids in ${ids.join(',')}`);
  for (const id of ids) checkNodeId(id);
  const local = resolveLocal(ids, o.local);
  const nodeOptions = { ...(o.nodeOptions ?? {}) };
  for (const [id, n] of Object.entries(nodeOptions)) {
    if (!local.includes(id)) {
      throw new InvalidRequestError(
        `nodeOptions names ${id}, which is not a local node (${local.join(',')})`,
      );
    }
    if (n.epoch !== undefined && !(Number.isInteger(n.epoch) && n.epoch >= 0)) {
      throw new InvalidRequestError(`nodeOptions.${id}.epoch must be an integer >= 0, got ${n.epoch}`);
    }
    if (n.joining && !(n.joining.learners.includes(id) && n.joining.voters.length > 0)) {
      throw new InvalidRequestError(
        `nodeOptions.${id}.joining must list voters and ${id} among the learners`,
      );
    }
    if ((o.storage ?? 'lmdb') === 'memory' && (n.storePath !== undefined || n.mustExist)) {
      throw new InvalidRequestError(`nodeOptions.${id}: storePath and mustExist need lmdb storage`);
    }
  }
  const r: ResolvedOptions = {
    ids,
    local,
    nodeOptions,
    storage: o.storage ?? 'lmdb',
    durability: o.durability ?? 'syncCommit',
    tickMs: o.tickMs ?? DEFAULT_TICK_MS,
    raft: raftTuningOf(o),
    maxBatchBytes: o.maxBatchBytes ?? Number.POSITIVE_INFINITY,
    stateMachine: o.stateMachine ?? 'kv',
    seed: o.seed ?? 1,
    directLinks: o.directLinks ?? true,
    parallelLeaderWrites: o.parallelLeaderWrites ?? true,
    statusIntervalMs: o.statusIntervalMs ?? 250,
    hashCheckEvery: o.hashCheckEvery ?? 100_000,
    autoRepair: o.autoRepair ?? false,
    priorities: { ...(o.priorities ?? {}) },
    sideWorkThreads: o.sideWorkThreads ?? 1,
    startTimeoutMs: o.startTimeoutMs ?? 15_000,
    snapshotCatchUpEntries: o.snapshotCatchUpEntries ?? 1000,
    snapshotStateRatio: o.snapshotStateRatio ?? 0.5,
    snapshotCompression: o.snapshotCompression ?? 'deflate',
    snapshotCompressionLevel: o.snapshotCompressionLevel,
    membershipTimeoutMs: o.membershipTimeoutMs ?? 30_000,
  };
  if (!(Number.isSafeInteger(r.snapshotCatchUpEntries) && r.snapshotCatchUpEntries >= 0)) {
    throw new InvalidRequestError(
      `snapshotCatchUpEntries must be an integer >= 0, got ${r.snapshotCatchUpEntries}`,
    );
  }
  if (!(Number.isSafeInteger(r.membershipTimeoutMs) && r.membershipTimeoutMs >= 1)) {
    throw new InvalidRequestError(
      `membershipTimeoutMs must be an integer >= 1, got ${r.membershipTimeoutMs}`,
    );
  }
  if (!(Number.isFinite(r.snapshotStateRatio) && r.snapshotStateRatio >= 0 && r.snapshotStateRatio <= 1000)) {
    throw new InvalidRequestError(
      `snapshotStateRatio must be a number from 0 to 1000, got ${String(r.snapshotStateRatio)}`,
    );
  }
  if (!['none', 'deflate', 'brotli'].includes(r.snapshotCompression)) {
    throw new InvalidRequestError(
      `snapshotCompression must be 'none', 'deflate' or 'brotli', got ${String(r.snapshotCompression)}`,
    );
  }
  for (const [id, p] of Object.entries(r.priorities)) {
    checkNodeId(id); // a node added later (addNode) may be named too
    if (!(Number.isSafeInteger(p) && p >= 0)) {
      throw new InvalidRequestError(`priorities.${id} must be an integer >= 0, got ${p}`);
    }
  }
  if (!(typeof r.tickMs === 'number' && Number.isFinite(r.tickMs) && r.tickMs >= 1)) {
    throw new InvalidRequestError(`tickMs must be a number >= 1, got ${String(r.tickMs)}`);
  }
  if (typeof r.seed !== 'number' || !Number.isFinite(r.seed)) {
    throw new InvalidRequestError(`seed must be a finite number, got ${String(r.seed)}`);
  }
  for (const k of ['statusIntervalMs', 'sideWorkThreads', 'startTimeoutMs'] as const) {
    if (!(Number.isSafeInteger(r[k]) && r[k] >= 1)) {
      throw new InvalidRequestError(`${k} must be an integer >= 1, got ${String(r[k])}`);
    }
  }
  if (
    !(
      r.maxBatchBytes === Number.POSITIVE_INFINITY ||
      (Number.isSafeInteger(r.maxBatchBytes) && r.maxBatchBytes >= 1)
    )
  ) {
    throw new InvalidRequestError(`maxBatchBytes must be an integer >= 1, got ${String(r.maxBatchBytes)}`);
  }
  if (!(Number.isSafeInteger(r.hashCheckEvery) && r.hashCheckEvery >= 0)) {
    throw new InvalidRequestError(`hashCheckEvery must be an integer >= 0, got ${String(r.hashCheckEvery)}`);
  }
  for (const k of ['directLinks', 'parallelLeaderWrites', 'autoRepair'] as const) {
    if (typeof r[k] !== 'boolean')
      throw new InvalidRequestError(`${k} must be a boolean, got ${String(r[k])}`);
  }
  if (r.storage !== 'lmdb' && r.storage !== 'memory') {
    throw new InvalidRequestError(`storage must be 'lmdb' or 'memory', got ${String(r.storage)}`);
  }
  return r;
}

/**
 * The one mapping of createCluster's Raft options onto core's tuning:
 * core's defaults, then the flat aliases, then `raft`; resolved and
 * checked by core's rules (validateRaftTuning). An option given both flat
 * and in `raft` with different values is refused rather than silently
 * picking one.
 */
export function raftTuningOf(o: ClusterOptions): ResolvedRaftTuning {
  const raft = (o.raft ?? {}) as Readonly<Record<string, unknown>>;
  if (raft === null || typeof raft !== 'object' || Array.isArray(raft)) {
    throw new InvalidRequestError(`raft must be an object of Raft options, got ${String(raft)}`);
  }
  const flat: Record<string, unknown> = {};
  for (const name of FLAT_RAFT_OPTIONS) {
    const value = o[name];
    if (value === undefined) continue;
    if (raft[name] !== undefined && raft[name] !== value) {
      throw new InvalidRequestError(
        `${name} is given twice: ${JSON.stringify(value)} (flat) and ${JSON.stringify(raft[name])} (raft.${name})`,
      );
    }
    flat[name] = value;
  }
  try {
    return validateRaftTuning({ ...flat, ...raft });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const where = error.option === undefined ? 'raft' : `raft.${error.option}`;
    throw new InvalidRequestError(`invalid cluster options: ${where}: ${error.message}`);
  }
}

/**
 * Options travel to the worker threads by structured clone: a function or a
 * class instance with methods would fail there, after workers started, as a
 * DOMException naming neither the option nor the cause. Say which option.
 */
function checkCloneable(o: ClusterOptions): void {
  for (const [key, value] of Object.entries(o)) {
    try {
      structuredClone(value);
    } catch (error) {
      throw new InvalidRequestError(
        `option ${key} cannot be sent to a worker thread (${(error as Error).message}): ` +
          'options must be plain data (no functions, symbols or class instances with methods)',
      );
    }
  }
}

export const MAX_NODE_ID_LENGTH = 64;

/** Node ids are 1-64 characters of [A-Za-z0-9_.-] (they name directories and travel in frames). */
export function checkNodeId(id: unknown): asserts id is NodeId {
  if (typeof id === 'string' && id.length > MAX_NODE_ID_LENGTH) {
    throw new InvalidRequestError(
      `node id "${id.slice(0, 20)}..." is too long (${id.length} characters, at most ${MAX_NODE_ID_LENGTH})`,
    );
  }
  if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(id)) {
    throw new InvalidRequestError(`node id ${JSON.stringify(id)} must be 1-64 characters of [A-Za-z0-9_.-]`);
  }
}

function resolveLocal(ids: readonly NodeId[], local: readonly NodeId[] | undefined): NodeId[] {
  if (local === undefined) return [...ids];
  if (local.length === 0) throw new InvalidRequestError('local must name at least one node');
  if (new Set(local).size !== local.length)
    throw new InvalidRequestError(`duplicate ids in local: ${local.join(',')}`);
  for (const id of local) {
    if (!ids.includes(id)) {
      throw new InvalidRequestError(`local node ${id} is not one of the cluster's nodes (${ids.join(',')})`);
    }
  }
  return ids.filter((id) => local.includes(id));
}
