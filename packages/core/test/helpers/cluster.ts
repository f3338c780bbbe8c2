/**
 * An in-thread network of RaftNodes for tests. Each node has a MemoryStorage;
 * hosts obey the Ready contract (persist + sync -> send -> apply -> advance).
 * Messages go into one FIFO queue and are delivered when the test says so;
 * links can be cut (one way or both). Everything is deterministic.
 */
import {
  type Entry,
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
} from '@raftkit/core';
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

  constructor(readonly config: RaftConfig) {
    this.storage = config.storage as MemoryStorage;
    this.node = new RaftNode(config);
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

/** A Ready as canonical JSON (bytes as hex) for byte-for-byte comparisons. */
export function readyToJson(rd: Ready): string {
  return JSON.stringify(rd, (_k, v) => (v instanceof Uint8Array ? `0x${Buffer.from(v).toString('hex')}` : v));
}
