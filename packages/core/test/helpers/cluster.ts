/**
 * An in-thread network of RaftNodes for tests. Each node has a MemoryStorage;
 * hosts obey the Ready contract (persist + sync -> send -> apply -> advance).
 * Messages go into one FIFO queue and are delivered when the test says so;
 * links can be cut (one way or both). Everything is deterministic.
 */
import {
  type ClockSkew,
  type ConfState,
  crc32,
  type Divergence,
  type Entry,
  type IdentityConflict,
  MemoryStorage,
  type Message,
  type NodeId,
  type ProposalOutcome,
  type RaftConfig,
  RaftNode,
  type ReadState,
  type Ready,
  type Role,
  type RoleTransition,
  type Snapshot,
  type SnapshotRejection,
} from '@raftkit/core';
import {
  applyToState,
  decodeHostSnapshot,
  encodeHostSnapshot,
  type HostState,
  INITIAL_STATE,
} from './host-state.js';
import { persistReady } from './persist.js';
import type { NodeOptions } from './single.js';

export class ClusterNode {
  node: RaftNode;
  storage: MemoryStorage;
  /** Committed entries in the order the host applied them. */
  applied: Entry[] = [];
  readStates: ReadState[] = [];
  outcomes: ProposalOutcome[] = [];
  transitions: RoleTransition[] = [];
  /** Ready stream, JSON-serialisable, when recording is on. */
  readyLog: string[] = [];
  down = false;
  /** The host's state machine (a hash chain over applied entries), restored from snapshots. */
  state: HostState;
  /** Snapshots this host restored its state from (Ready.snapshot). */
  restored: Snapshot[] = [];
  snapshotRejections: SnapshotRejection[] = [];
  /** Ready.divergences this node reported. */
  divergences: Divergence[] = [];
  /** Ready.identityConflicts this node reported. */
  identityConflicts: IdentityConflict[] = [];
  /** Ready.clockSkews this node reported. */
  clockSkews: ClockSkew[] = [];

  constructor(readonly config: RaftConfig) {
    this.storage = config.storage as MemoryStorage;
    this.node = new RaftNode(config);
    const snap = this.storage.snapshot();
    this.state = snap ? stateOfSnapshot(snap) : INITIAL_STATE;
  }

  get id(): NodeId {
    return this.config.id;
  }
  get role(): Role {
    return this.node.status().role;
  }
  get term(): number {
    return this.node.status().term;
  }
}

export interface ClusterOptions {
  readonly seed?: number;
  readonly config?: NodeOptions;
  readonly perNode?: Readonly<Record<NodeId, NodeOptions>>;
  readonly learners?: readonly NodeId[];
  readonly recordReadies?: boolean;
  /** Transform each node's config (e.g. withInjectedBugs). */
  readonly wrapConfig?: (config: RaftConfig) => RaftConfig;
  /** Hosts report checkpoints (the hash of their host state) at every checkpoint index they apply. */
  readonly reportCheckpoints?: boolean;
}

export class Cluster {
  readonly nodes = new Map<NodeId, ClusterNode>();
  readonly ids: NodeId[];
  queue: Message[] = [];
  /** Directed links that drop everything: 'a->b'. */
  private readonly cut = new Set<string>();
  delivered = 0;
  dropped = 0;

  constructor(
    voters: readonly NodeId[],
    readonly opts: ClusterOptions = {},
  ) {
    const learners = opts.learners ?? [];
    this.ids = [...voters, ...learners];
    for (const id of this.ids) {
      const config: RaftConfig = {
        electionTicks: 10,
        heartbeatTicks: 1,
        ...opts.config,
        ...opts.perNode?.[id],
        id,
        peers: voters,
        learners,
        seed: opts.seed ?? 42,
        storage: new MemoryStorage(),
      };
      this.nodes.set(id, new ClusterNode(opts.wrapConfig ? opts.wrapConfig(config) : config));
    }
  }

  n(id: NodeId): ClusterNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  raft(id: NodeId): RaftNode {
    return this.n(id).node;
  }

  // ---- Ready processing ------------------------------------------------------

  /** Run one node's Ready loop; its messages go to the network queue. */
  processReady(id: NodeId): boolean {
    const cn = this.n(id);
    if (cn.down) return false;
    let any = false;
    while (cn.node.hasReady()) {
      any = true;
      const rd = cn.node.ready();
      if (this.opts.recordReadies) cn.readyLog.push(readyToJson(rd));
      persistReady(cn.storage, rd);
      this.queue.push(...rd.messages);
      if (rd.snapshot) {
        cn.state = stateOfSnapshot(rd.snapshot);
        cn.restored.push(rd.snapshot);
        if (this.opts.reportCheckpoints && cn.node.checkpointDue(cn.state.index)) {
          cn.node.reportCheckpoint(cn.state.index, stateHashHex(cn.state.hash));
        }
      }
      for (const e of rd.committedEntries) {
        cn.state = applyToState(cn.state, e);
        // The checkpoint rule: the hash right after applying entry i, for every multiple i of K.
        if (this.opts.reportCheckpoints && cn.node.checkpointDue(e.index)) {
          cn.node.reportCheckpoint(e.index, stateHashHex(cn.state.hash));
        }
      }
      cn.divergences.push(...rd.divergences);
      cn.identityConflicts.push(...rd.identityConflicts);
      cn.clockSkews.push(...rd.clockSkews);
      cn.snapshotRejections.push(...rd.snapshotRejections);
      cn.applied.push(...rd.committedEntries);
      cn.readStates.push(...rd.readStates);
      cn.outcomes.push(...rd.outcomes);
      cn.transitions.push(...rd.transitions);
      cn.node.advance();
    }
    return any;
  }

  processAll(): void {
    for (const id of this.ids) this.processReady(id);
  }

  /** Deliver the messages queued now (not those they cause). Returns how many were delivered. */
  deliverQueued(filter?: (m: Message) => boolean): number {
    const batch = this.queue;
    this.queue = [];
    let n = 0;
    for (const m of batch) {
      if (filter && !filter(m)) {
        this.queue.push(m);
        continue;
      }
      const target = this.nodes.get(m.to);
      if (!target || target.down || this.cut.has(`${m.from}->${m.to}`) || this.nodes.get(m.from)?.down) {
        this.dropped++;
        continue;
      }
      target.node.step(m);
      this.delivered++;
      n++;
    }
    return n;
  }

  /** Process Readies and deliver messages until nothing moves. */
  stabilize(maxRounds = 10_000): void {
    for (let i = 0; i < maxRounds; i++) {
      this.processAll();
      if (this.queue.length === 0) return;
      this.deliverQueued();
    }
    throw new Error('cluster did not stabilize');
  }

  // ---- membership and snapshots (host side) -----------------------------------

  /**
   * Start a new node that is not a member yet: it bootstraps knowing the
   * current voters and itself as a learner, and waits for the leader's
   * addLearner to reach it.
   */
  addNode(id: NodeId, bootstrap: ConfState, extra: Partial<RaftConfig> = {}): ClusterNode {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists`);
    const config: RaftConfig = {
      electionTicks: 10,
      heartbeatTicks: 1,
      ...this.opts.config,
      ...this.opts.perNode?.[id],
      ...extra,
      id,
      peers: bootstrap.voters,
      learners: bootstrap.learners.includes(id) ? bootstrap.learners : [...bootstrap.learners, id],
      seed: this.opts.seed ?? 42,
      storage: new MemoryStorage(),
    };
    const cn = new ClusterNode(this.opts.wrapConfig ? this.opts.wrapConfig(config) : config);
    this.nodes.set(id, cn);
    this.ids.push(id);
    return cn;
  }

  /**
   * The host of `id` snapshots its state machine at its applied index and
   * compacts its log there (keeping `keep` entries before it), then syncs.
   * Returns the snapshot, or null when nothing new was applied.
   */
  takeSnapshot(id: NodeId, opts: { padBytes?: number; keep?: number; sync?: boolean } = {}): Snapshot | null {
    const cn = this.n(id);
    const index = cn.state.index;
    if (index <= (cn.storage.snapshot()?.meta.index ?? 0) || index < cn.storage.firstIndex()) return null;
    const snap = cn.storage.createSnapshot(
      index,
      cn.node.confStateAt(index),
      encodeHostSnapshot(cn.state, opts.padBytes ?? 0),
    );
    const compactTo = index - (opts.keep ?? 0);
    if (compactTo >= cn.storage.firstIndex()) cn.storage.compact(compactTo);
    if (opts.sync ?? true) cn.storage.sync();
    return snap;
  }

  // ---- time ------------------------------------------------------------------

  /** Tick the given nodes (default: all up nodes) once, then stabilize. */
  tick(ids: readonly NodeId[] = this.ids, opts: { stabilize?: boolean } = {}): void {
    for (const id of ids) if (!this.n(id).down) this.raft(id).tick();
    if (opts.stabilize ?? true) this.stabilize();
  }

  ticks(n: number, ids?: readonly NodeId[]): void {
    for (let i = 0; i < n; i++) this.tick(ids);
  }

  /** Tick until `cond` holds (bounded), stabilizing after each tick. Returns ticks taken. */
  tickUntil(cond: () => boolean, limit = 500, ids?: readonly NodeId[]): number {
    for (let i = 0; i <= limit; i++) {
      if (cond()) return i;
      this.tick(ids);
    }
    throw new Error(`condition not reached within ${limit} ticks`);
  }

  // ---- faults ----------------------------------------------------------------

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}->${to}`);
  }

  isolate(id: NodeId): void {
    for (const other of this.ids) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  partition(...groups: NodeId[][]): void {
    for (const g of groups) {
      for (const a of g) {
        for (const other of this.ids) if (!g.includes(other)) this.cut.add(`${a}->${other}`);
      }
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Crash: unsynced writes are lost, queued messages to it vanish. */
  crash(id: NodeId): void {
    const cn = this.n(id);
    cn.down = true;
    this.queue = this.queue.filter((m) => m.to !== id && m.from !== id);
  }

  /** Restart from what storage synced, with the same config. */
  restart(id: NodeId, extra: Partial<RaftConfig> = {}): void {
    const cn = this.n(id);
    const storage = cn.storage.crashAndRecover();
    const config: RaftConfig = { ...cn.config, ...extra, storage };
    const fresh = new ClusterNode(config);
    fresh.applied = cn.applied.slice(0, 0);
    this.nodes.set(id, fresh);
  }

  /**
   * The node's store is wiped and it starts again, empty, under the same id
   * and bootstrap configuration but a new store incarnation (an operator who
   * deleted a data directory). Its old incarnation's votes are forgotten.
   */
  wipe(id: NodeId, incarnation: number): ClusterNode {
    const cn = this.n(id);
    this.queue = this.queue.filter((m) => m.to !== id && m.from !== id);
    const fresh = new ClusterNode({ ...cn.config, incarnation, storage: new MemoryStorage() });
    this.nodes.set(id, fresh);
    return fresh;
  }

  /**
   * Corrupt a host's state machine behind Raft's back (a flipped bit): from
   * now on its state hash differs from its peers' at every index.
   */
  corrupt(id: NodeId): void {
    const cn = this.n(id);
    cn.state = { index: cn.state.index, hash: (cn.state.hash ^ 0x1) >>> 0 };
  }

  /** Repair a host's state by copying a healthy node's (as restoring its snapshot would). */
  repairFrom(id: NodeId, from: NodeId): void {
    const src = this.n(from).state;
    const cn = this.n(id);
    if (src.index !== cn.state.index)
      throw new Error(`repairFrom: ${from} is at ${src.index}, ${id} at ${cn.state.index}`);
    cn.state = { ...src };
  }

  // ---- queries ---------------------------------------------------------------

  leaders(): ClusterNode[] {
    return this.ids.map((id) => this.n(id)).filter((n) => !n.down && n.role === 'leader');
  }

  /** The unique leader (highest term if several believe they lead). */
  leader(): ClusterNode | undefined {
    const ls = this.leaders().sort((a, b) => b.term - a.term);
    return ls[0];
  }

  /** campaign() on `id` and stabilize; asserts it won. */
  elect(id: NodeId): ClusterNode {
    this.raft(id).campaign();
    this.stabilize();
    const cn = this.n(id);
    if (cn.role !== 'leader') throw new Error(`${id} did not win the election (role ${cn.role})`);
    return cn;
  }

  propose(id: NodeId, data: Uint8Array): number {
    return this.raft(id).propose(data);
  }
}

/** The host's state hash as a checkpoint hash string. */
export function stateHashHex(hash: number): string {
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** The host state a snapshot holds; a snapshot not written by these hosts counts as opaque state. */
export function stateOfSnapshot(snap: Snapshot): HostState {
  try {
    const s = decodeHostSnapshot(snap.data);
    if (s.index === snap.meta.index) return s;
  } catch {
    // not ours: fall through
  }
  return { index: snap.meta.index, hash: crc32(snap.data) };
}

/** A Ready as canonical JSON (bytes as hex) for byte-for-byte comparisons. */
export function readyToJson(rd: Ready): string {
  return JSON.stringify(rd, (_k, v) => (v instanceof Uint8Array ? `0x${Buffer.from(v).toString('hex')}` : v));
}
