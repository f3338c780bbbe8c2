import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import {
  type NodeId,
  type NodeVerification,
  type ResolvedRaftTuning,
  type SplitBrainAlert,
  SplitBrainMonitor,
} from '@raftkit/core';
import type { ActorOptions } from '../actor/node-actor.js';
import type { StorageSpec } from '../actor/worker-init.js';
import { type ClientOptions, type ClientTarget, RaftClient } from '../client/raft-client.js';
import type { ActorEvent, RuntimeNodeStatus } from '../control/api.js';
import {
  ClusterClosedError,
  ConfChangePendingError,
  InvalidRequestError,
  MembershipChangeError,
} from '../errors.js';
import { validateStateMachineSpec } from '../machine/state-machine-spec.js';
import { SideWorkPool } from '../side-work/pool.js';
import { newIncarnation } from '../storage/incarnation.js';
import { acquireStoreLock } from '../storage/store-lock.js';
import type { LinkFaults, LinkSelector } from '../transport/fault-table.js';
import { Router } from '../transport/router.js';
import { waitFor } from '../wait-for.js';
import { actorOptionsFor, type Bootstrap } from './actor-options.js';
import { ClusterEvents, type MembershipEvent, type RepairEvent } from './events.js';
import { commitStep, type StepResult } from './membership.js';
import { NodeHandle } from './node-handle.js';
import { NodeProcess } from './node-process.js';
import { type ClusterOptions, checkNodeId, type ResolvedOptions, resolveOptions } from './options.js';

export interface WaitForLeaderOptions {
  readonly timeoutMs?: number;
  /** Ignore these nodes as leaders (e.g. the one just isolated). */
  readonly exclude?: readonly NodeId[];
}

/** What `cluster.repair(id)` did. */
export interface RepairResult {
  readonly node: NodeId;
  /** Applied index at which the rebuilt node's state hash was seen equal to the common one. */
  readonly index: number;
  readonly hash: string;
  /** How the node caught up: installed a leader snapshot, or replayed the leader's log. */
  readonly via: 'snapshot' | 'log';
  readonly ms: number;
}

export interface MembershipOptions {
  /** Deadline of the whole operation. Default: the cluster's `membershipTimeoutMs` (30 s). */
  readonly timeoutMs?: number;
}

/**
 * A cluster of worker-thread actors on this process: one worker per node,
 * the main-thread router carrying their frames, a shared side-work pool, and
 * the split-brain monitor over all nodes' observations.
 *
 * A process may host only some of the cluster's nodes (`local`): the others
 * are reached through links added with `router.addLink`, and everything that
 * needs a node's worker (`node(id)`, kill, restart, statuses, the monitor)
 * covers the local nodes only.
 */
export class Cluster implements ClientTarget {
  readonly router: Router;
  readonly events = new ClusterEvents();
  readonly monitor: SplitBrainMonitor;
  /** Root of the node stores (null for memory storage). */
  readonly dataDir: string | null;
  private readonly opts: ResolvedOptions;
  private readonly ownsDataDir: boolean;
  private readonly procs = new Map<NodeId, NodeProcess>();
  private readonly handles = new Map<NodeId, NodeHandle>();
  private readonly epochs = new Map<NodeId, number>();
  /** Nodes whose worker is being spawned (two incarnations must never share a store). */
  private readonly starting = new Set<NodeId>();
  private readonly pool: SideWorkPool;
  private readonly runtimeAlerts: SplitBrainAlert[] = [];
  /** Confirmed divergences already surfaced (node@index): leader and node itself both report one. */
  private readonly surfacedDivergences = new Set<string>();
  /** Nodes being repaired (autoRepair or repair()). */
  private readonly repairing = new Map<NodeId, Promise<RepairResult>>();
  private readonly clients = new Set<RaftClient>();
  /** Current members (voters and learners) as this cluster manages them. */
  private members: readonly NodeId[];
  /** Only some nodes are hosted here (`local`): membership changes are not available. */
  private readonly partial: boolean;
  /** Every id this cluster ever knew (members and removed nodes). */
  private readonly known = new Set<NodeId>();
  /** Nodes removed by removeNode: their store may be wiped when the id is added again. */
  private readonly removed = new Set<NodeId>();
  private readonly bootstraps = new Map<NodeId, Bootstrap>();
  /** The cluster-level membership operation in flight (one at a time). */
  private changeInFlight: string | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private knownLeader: NodeId | null = null;
  private startRun: Promise<void> | null = null;
  private isClosed = false;
  private closing: Promise<void> | null = null;

  private constructor(opts: ResolvedOptions, dataDir: string | null, ownsDataDir: boolean) {
    this.opts = opts;
    this.members = Object.freeze([...opts.ids]);
    this.partial = opts.local.length < opts.ids.length;
    for (const id of opts.ids) this.known.add(id);
    this.dataDir = dataDir;
    this.ownsDataDir = ownsDataDir;
    this.router = new Router({ seed: opts.seed, directLinks: opts.directLinks });
    this.pool = new SideWorkPool({ maxThreads: opts.sideWorkThreads });
    this.monitor = new SplitBrainMonitor({
      electionTimeout: opts.raft.electionTicks * opts.tickMs,
      ...(opts.raft.checkpointInterval > 0 ? { checkpointInterval: opts.raft.checkpointInterval } : {}),
    });
    // Hosting every member, this process knows each new store's incarnation: the bootstrap
    // configuration binds them all (core README, "Identity"). Existing stores keep their own.
    const incarnations = this.partial
      ? null
      : Object.fromEntries(opts.ids.map((id) => [id, newIncarnation()]));
    for (const id of opts.local) {
      this.handles.set(id, new NodeHandle(id, this));
      const joining = opts.nodeOptions[id]?.joining;
      if (joining) this.bootstraps.set(id, { peers: [...joining.voters], learners: [...joining.learners] });
      else if (incarnations !== null) {
        this.bootstraps.set(id, {
          peers: opts.ids,
          learners: [],
          incarnations,
          incarnation: incarnations[id],
        });
      }
    }
  }

  /**
   * Create the cluster and (unless `start: false`) start every local node and
   * wait until all actors run (not until a leader exists: see waitForLeader).
   */
  static async create(options: ClusterOptions = {}): Promise<Cluster> {
    // The state machine is checked (and a relative module path resolved) before any worker starts.
    const resolved = resolveOptions(options);
    const opts = {
      ...resolved,
      stateMachine: await validateStateMachineSpec(options.stateMachine, process.cwd(), resolved.local),
    };
    let dataDir: string | null = null;
    let owns = false;
    if (opts.storage === 'lmdb') {
      if (options.dataDir) {
        dataDir = resolve(options.dataDir);
        if (existsSync(dataDir) && !statSync(dataDir).isDirectory())
          throw new InvalidRequestError(`dataDir ${dataDir} is not a directory`);
        mkdirSync(dataDir, { recursive: true });
      } else {
        dataDir = mkdtempSync(join(tmpdir(), 'raftkit-'));
        owns = true;
      }
    }
    const cluster = new Cluster(opts, dataDir, owns);
    if (options.start !== false) await cluster.start();
    return cluster;
  }

  /**
   * Start every local node and wait until all their actors run. Only for a
   * cluster created with `start: false` (createCluster starts it otherwise):
   * listeners on `events` and links on `router` added before this see and
   * carry everything from the first tick. If a node fails to start, the
   * whole cluster is closed and the error thrown.
   */
  start(): Promise<void> {
    if (this.isClosed) return Promise.reject(new ClusterClosedError());
    if (this.startRun) return Promise.reject(new InvalidRequestError('the cluster was already started'));
    this.startRun = (async () => {
      try {
        await Promise.all(this.localIds.map((id) => this.spawn(id, this.firstStartMode(id))));
      } catch (err) {
        await this.close();
        throw err;
      }
      this.startStatusTimer();
    })();
    return this.startRun;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Every member of the cluster, local or not: the voters it was created
   * with, then as changed by `addNode` (a node being added is listed from the
   * moment its worker starts, as a learner) and `removeNode`.
   */
  /** The Raft tuning every node runs with: createCluster's `raft` (and flat aliases), resolved. */
  get raft(): ResolvedRaftTuning {
    return this.opts.raft;
  }

  /** Wall-clock length of one tick. */
  get tickMs(): number {
    return this.opts.tickMs;
  }

  get ids(): readonly NodeId[] {
    return this.members;
  }

  /** The nodes this process hosts (all of `ids` unless created with `local`). */
  get localIds(): readonly NodeId[] {
    return this.partial ? this.opts.local : this.members;
  }

  /** Whether this process hosts `id` (it has a worker here). */
  isLocal(id: NodeId): boolean {
    return this.handles.has(id);
  }

  /** The control handle of a local node (stable across restarts). */
  node(id: NodeId): NodeHandle {
    const h = this.handles.get(id);
    if (h) return h;
    if (this.known.has(id)) {
      throw new InvalidRequestError(
        `node ${id} is not hosted by this process (local: ${this.localIds.join(',')})`,
      );
    }
    throw new InvalidRequestError(`unknown node ${id}`);
  }

  /** ClientTarget: who the cluster last saw become leader. */
  leaderHint(): NodeId | null {
    return this.knownLeader;
  }

  /**
   * A client that follows leader hints and retries with sessions (exactly-once
   * writes). When this process hosts only some nodes, a client can only be
   * pinned to a local one (`via`): it could not follow a redirect to a remote
   * leader (use a transport's client, e.g. @raftkit/net's RaftClient).
   */
  client<M = unknown>(opts: ClientOptions = {}): RaftClient<M> {
    if (this.isClosed) throw new ClusterClosedError();
    if (opts.via !== undefined) this.node(opts.via);
    else if (this.localIds.length < this.ids.length) {
      throw new InvalidRequestError(
        `this process hosts only ${this.localIds.join(',')} of ${this.ids.join(',')}: ` +
          'pin the client to a local node with `via`',
      );
    }
    const c = new RaftClient<M>(this, { retryBaseMs: this.opts.tickMs, ...opts });
    this.clients.add(c);
    return c;
  }

  /** Whether the node runs in this process now (a remote node never does). */
  isRunning(id: NodeId): boolean {
    return this.procs.get(id)?.running ?? false;
  }

  /**
   * Stop a local node, delete its store and start it again empty under the
   * membership `bootstrap` (itself a learner): a node that left the
   * configuration and comes back as a fresh member that catches up from the
   * leader (repair across processes, where the leader is elsewhere). The
   * caller must have had the node removed from the configuration first: an
   * empty store under an id that is still a voter could vote twice in a term.
   */
  async rejoinEmpty(
    id: NodeId,
    bootstrap: { voters: readonly NodeId[]; learners: readonly NodeId[] },
  ): Promise<void> {
    this.node(id);
    if (this.isClosed) throw new ClusterClosedError();
    if (!bootstrap.learners.includes(id) || bootstrap.voters.includes(id)) {
      throw new InvalidRequestError(
        `${id} must rejoin as a learner (learners: ${bootstrap.learners.join(',')})`,
      );
    }
    await this.shutdownProc(id);
    if (this.dataDir !== null) rmSync(this.storePath(id), { recursive: true, force: true });
    this.bootstraps.set(id, { peers: [...bootstrap.voters], learners: [...bootstrap.learners] });
    await this.spawn(id, 'createIfMissing');
  }

  // ------------------------------------------------------------ faults (router)

  /**
   * Split the network into groups that cannot reach each other (a node in no
   * group is isolated). Remote nodes may be named: this router then drops
   * what this process's nodes send them and receive from them.
   */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const g of groups) for (const id of g) this.requireKnown(id);
    this.router.faults.partition(groups);
  }

  /** Cut one node off from all others. */
  isolate(id: NodeId): void {
    this.requireKnown(id);
    this.router.faults.isolate(id);
  }

  /** Remove all partitions, isolations, cuts and link faults. */
  heal(): void {
    this.router.faults.heal();
  }

  /** Message loss / delay / duplication on the selected directed links (all by default). */
  setLinkFaults(faults: Partial<LinkFaults>, sel: LinkSelector = {}): void {
    this.router.faults.setLinkFaults(faults, sel);
  }

  // ------------------------------------------------------------ lifecycle

  /** Terminate a node's worker abruptly (as a crash; a write in progress may be cut off). */
  async kill(id: NodeId): Promise<void> {
    if (this.isClosed) throw new ClusterClosedError();
    this.node(id);
    const proc = this.procs.get(id);
    if (proc?.running) this.router.withdrawDirect(id);
    await proc?.kill();
  }

  /** Stop a node gracefully (it flushes and closes its storage). */
  async stop(id: NodeId): Promise<void> {
    this.node(id);
    await this.shutdownProc(id);
  }

  /** Stop a node's worker gracefully, its direct links taken down first (peers send via the router meanwhile). */
  private async shutdownProc(id: NodeId, timeoutMs?: number): Promise<void> {
    const proc = this.procs.get(id);
    if (!proc) return;
    if (proc.running) this.router.withdrawDirect(id);
    await proc.shutdown(timeoutMs);
  }

  /** Start a stopped or killed node again from its data dir (its store must exist and be intact). */
  async restart(id: NodeId): Promise<void> {
    this.node(id);
    if (this.isClosed) throw new ClusterClosedError();
    if (this.isRunning(id)) throw new InvalidRequestError(`node ${id} is running; kill or stop it first`);
    if (this.removed.has(id)) {
      throw new InvalidRequestError(`node ${id} was removed from the cluster; add it again with addNode`);
    }
    if (this.starting.has(id)) throw new InvalidRequestError(`node ${id} is already starting`);
    if (this.opts.storage === 'memory') {
      throw new InvalidRequestError(
        `node ${id} uses memory storage: restarting it empty could make it vote twice in a term (use lmdb)`,
      );
    }
    await this.spawn(id, 'mustExist');
  }

  /**
   * Resolves to the leader id once a quorum of nodes agree on one leader in
   * its term. When this process hosts only some nodes it can see only theirs:
   * it resolves once every running local node follows the same leader in the
   * same term (and a local leader leads it).
   */
  async waitForLeader(opts: WaitForLeaderOptions = {}): Promise<NodeId> {
    if (this.isClosed) throw new ClusterClosedError();
    const quorum = Math.floor(this.ids.length / 2) + 1;
    const exclude = new Set(opts.exclude ?? []);
    const partial = this.localIds.length < this.ids.length;
    return waitFor(
      async () => {
        if (this.isClosed) throw new ClusterClosedError();
        const statuses = Object.values(await this.statuses());
        if (partial) return agreedLeader(statuses, exclude);
        for (const st of statuses) {
          if (st?.role !== 'leader' || exclude.has(st.id)) continue;
          const followers = statuses.filter((s) => s && s.leader === st.id && s.term === st.term);
          if (followers.length >= quorum) return st.id;
        }
        return null;
      },
      {
        timeoutMs: opts.timeoutMs ?? 10_000,
        intervalMs: Math.max(5, this.opts.tickMs / 2),
        what: 'a leader',
        // Closed while waiting: no leader will ever come.
        fatal: (error) => error instanceof ClusterClosedError,
      },
    );
  }

  /** Status of every local node; null for nodes that are not running (or do not answer). */
  async statuses(): Promise<Record<NodeId, RuntimeNodeStatus | null>> {
    const out: Record<NodeId, RuntimeNodeStatus | null> = {};
    await Promise.all(
      this.localIds.map(async (id) => {
        out[id] = this.isRunning(id)
          ? await this.node(id)
              .status()
              .catch(() => null)
          : null;
      }),
    );
    return out;
  }

  /** Every alert so far: the monitor's and the runtime's own (e.g. incremental hash mismatches). */
  alerts(): SplitBrainAlert[] {
    return [...this.monitor.alerts(), ...this.runtimeAlerts];
  }

  /**
   * The split-brain monitor's verdict per local node from the checkpoint
   * observations: `ok` only while its hash agreed with a strict majority
   * recently, `diverged`, or `unverified` (silent, lagging, nothing to compare).
   */
  verification(): NodeVerification[] {
    return this.monitor.verification();
  }

  /** The shared side-work pool (CPU-heavy tasks off the actors' event loops). */
  get sideWork(): SideWorkPool {
    return this.pool;
  }

  /**
   * Stop everything: clients, nodes (gracefully, then terminated), the
   * router, the pool and timers; remove the data dir if the cluster created it.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.isClosed = true;
    this.closing = (async () => {
      if (this.statusTimer) clearInterval(this.statusTimer);
      this.statusTimer = null;
      for (const c of this.clients) c.close();
      this.clients.clear();
      for (const id of this.procs.keys()) this.router.withdrawDirect(id);
      await Promise.all([...this.procs.values()].map((p) => p.shutdown(3000)));
      this.procs.clear();
      await this.router.close();
      await this.pool.close();
      if (this.ownsDataDir && this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
    })();
    return this.closing;
  }

  // ------------------------------------------------------------ membership

  /**
   * Grow the cluster by one voter: start a worker for `id` (default: the next
   * unused `nK`) as a learner, bootstrapped with the current voters; have the
   * leader add it as a learner; wait until it has caught up (from a snapshot
   * when the leader compacted its log) and promote it. Resolves with the id
   * once the promotion is committed. One membership operation at a time: a
   * concurrent call rejects with ConfChangePendingError. If the deadline
   * passes after the learner was added, it stays a learner (TimeoutError).
   */
  addNode(id?: NodeId, opts: MembershipOptions = {}): Promise<NodeId> {
    return this.exclusive(`addNode(${id ?? ''})`, () => this.doAddNode(id, opts));
  }

  /**
   * Remove a member: the leader proposes the change and it commits (a leader
   * removing itself steps down then), then the node's worker is stopped. Its
   * store stays until the id is added again (then it starts empty). One
   * membership operation at a time: ConfChangePendingError otherwise.
   */
  removeNode(id: NodeId, opts: MembershipOptions = {}): Promise<void> {
    return this.exclusive(`removeNode(${id})`, () => this.doRemoveNode(id, opts));
  }

  /**
   * Rebuild a diverged (or otherwise suspect) node from the others: remove it
   * from the configuration, stop its worker, wipe its store, add it back as a
   * fresh learner that catches up from the leader (by InstallSnapshot when the
   * leader compacted its log, else by replaying the log), promote it, and
   * resolve once its state hash equals the common one (same applied index as
   * the leader with the same hash, or its own checkpoint confirmed by a
   * quorum). The same path as removeNode + addNode, so a voter never restarts
   * empty under its old identity (it could vote twice in a term). Needs every
   * node hosted here and at least two members. Concurrent calls for the same
   * node share one repair; other membership operations are refused meanwhile.
   */
  repair(id: NodeId, opts: MembershipOptions = {}): Promise<RepairResult> {
    const running = this.repairing.get(id);
    if (running) return running;
    const run = this.exclusive(`repair(${id})`, () => this.doRepair(id, opts)).finally(() => {
      this.repairing.delete(id);
    });
    this.repairing.set(id, run);
    return run;
  }

  private async doRepair(id: NodeId, opts: MembershipOptions): Promise<RepairResult> {
    if (!this.members.includes(id)) throw new InvalidRequestError(`node ${id} is not a member`);
    if (this.members.length < 2) throw new InvalidRequestError('repair needs another member to copy from');
    const started = performance.now();
    const timeoutMs = opts.timeoutMs ?? this.opts.membershipTimeoutMs;
    const deadline = started + timeoutMs;
    this.emitRepair({ node: id, at: Date.now(), phase: 'started' });
    try {
      await this.doRemoveNode(id, { timeoutMs });
      for (const key of [...this.surfacedDivergences]) {
        if (key.startsWith(`${id}@`)) this.surfacedDivergences.delete(key);
      }
      await this.doAddNode(id, { timeoutMs: Math.max(1, deadline - performance.now()) });
      const agreed = await waitFor(() => this.commonHash(id), {
        timeoutMs: Math.max(1, deadline - performance.now()),
        intervalMs: this.pollMs(),
        what: `node ${id} to reach the common state hash`,
      });
      const st = await this.node(id).status();
      const result: RepairResult = {
        node: id,
        index: agreed.index,
        hash: agreed.hash,
        via: st.snapshots.installed > 0 ? 'snapshot' : 'log',
        ms: performance.now() - started,
      };
      this.emitRepair({ node: id, at: Date.now(), phase: 'done', result });
      return result;
    } catch (err) {
      this.emitRepair({
        node: id,
        at: Date.now(),
        phase: 'failed',
        error: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
  }

  /**
   * The hash `id` shares with the cluster, or null: equal to the leader's at
   * the same applied index, or its latest own checkpoint verified against a
   * quorum-confirmed one (`checkpoints.self === 'ok'`, so a busy cluster whose
   * applied indices rarely line up is judged too).
   */
  private async commonHash(id: NodeId): Promise<{ index: number; hash: string } | null> {
    const statuses = await this.statuses();
    const me = statuses[id];
    if (!me || me.quarantine) return null;
    const leader = Object.values(statuses).find((s) => s?.role === 'leader' && s.id !== id);
    if (leader && leader.appliedIndex === me.appliedIndex && leader.stateHash === me.stateHash) {
      return { index: me.appliedIndex, hash: me.stateHash };
    }
    const cp = me.checkpoints;
    if (cp.self === 'ok' && cp.latest && cp.confirmed && cp.latest.index === cp.confirmed.index) {
      if (cp.latest.hash === cp.confirmed.hash) return { index: cp.latest.index, hash: cp.latest.hash };
    }
    return null;
  }

  private emitRepair(ev: RepairEvent): void {
    this.events.emit('repair', ev);
  }

  /** autoRepair: repair a node named by a confirmed divergence, waiting for any membership change in flight. */
  private autoRepair(id: NodeId): void {
    if (this.repairing.has(id) || this.isClosed || !this.members.includes(id)) return;
    const deadline = performance.now() + this.opts.membershipTimeoutMs;
    const attempt = (): void => {
      if (this.isClosed) return;
      this.repair(id).catch((err: unknown) => {
        const busy = err instanceof MembershipChangeError && err.reason === 'confChangePending';
        if (busy && performance.now() < deadline && !this.isClosed) {
          setTimeout(attempt, this.pollMs()).unref();
        }
        // Other failures were reported as a 'repair' event with phase 'failed'.
      });
    };
    attempt();
  }

  private exclusive<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (this.isClosed) return Promise.reject(new ClusterClosedError());
    if (this.changeInFlight !== null) {
      return Promise.reject(
        new ConfChangePendingError(
          this.knownLeader,
          `${what} refused: ${this.changeInFlight} is still in flight (one membership change at a time)`,
        ),
      );
    }
    if (this.partial) {
      return Promise.reject(
        new InvalidRequestError(
          `${what} needs every node hosted by this process (local: ${this.localIds.join(',')})`,
        ),
      );
    }
    this.changeInFlight = what;
    return run().finally(() => {
      this.changeInFlight = null;
    });
  }

  private async doAddNode(requested: NodeId | undefined, opts: MembershipOptions): Promise<NodeId> {
    const id = requested ?? this.nextNodeId();
    checkNodeId(id);
    if (this.members.includes(id)) throw new InvalidRequestError(`node ${id} is already a member`);
    if (this.isRunning(id) || this.starting.has(id)) throw new InvalidRequestError(`node ${id} is running`);
    const deadline = performance.now() + (opts.timeoutMs ?? this.opts.membershipTimeoutMs);
    const leader = await this.waitForLeader({ timeoutMs: Math.max(1, deadline - performance.now()) });
    const conf = (await this.node(leader).status()).conf;
    if (conf.voters.includes(id) || conf.learners.includes(id)) {
      throw new InvalidRequestError(`node ${id} is in the configuration already (remove it first)`);
    }
    if (this.dataDir !== null) {
      const store = this.storePath(id);
      if (existsSync(store)) {
        // A removed member's store is useless (the cluster moved on): the new member starts empty.
        if (this.removed.has(id)) rmSync(store, { recursive: true, force: true });
        else
          throw new InvalidRequestError(
            `a store for ${id} already exists at ${store}; a new member starts empty`,
          );
      }
    }
    // A new store, a new incarnation: the addLearner names it, so the member never counts as a former self.
    const incarnation = newIncarnation();
    this.bootstraps.set(id, {
      peers: [...conf.voters],
      learners: [...conf.learners, id],
      incarnations: { ...conf.incarnations, [id]: incarnation },
      incarnation,
    });
    this.known.add(id);
    this.removed.delete(id);
    if (!this.handles.has(id)) this.handles.set(id, new NodeHandle(id, this));
    this.members = Object.freeze([...this.members, id]);
    let added: StepResult;
    try {
      await this.spawn(id, 'createIfMissing');
      added = await commitStep(this, 'addLearner', id, deadline, this.pollMs(), { incarnation });
    } catch (err) {
      // Not a member (or not known to be one): take the worker down again; a retry starts it empty.
      this.members = Object.freeze(this.members.filter((m) => m !== id));
      this.removed.add(id);
      await this.shutdownProc(id);
      throw err;
    }
    this.emitMembership(id, 'learnerAdded', added);
    const promoted = await commitStep(this, 'promote', id, deadline, this.pollMs());
    this.emitMembership(id, 'promoted', promoted);
    return id;
  }

  private async doRemoveNode(id: NodeId, opts: MembershipOptions): Promise<void> {
    if (!this.members.includes(id)) throw new InvalidRequestError(`node ${id} is not a member`);
    if (this.members.length === 1) throw new InvalidRequestError('cannot remove the last member');
    const deadline = performance.now() + (opts.timeoutMs ?? this.opts.membershipTimeoutMs);
    const removed = await commitStep(this, 'remove', id, deadline, this.pollMs());
    await this.shutdownProc(id);
    this.members = Object.freeze(this.members.filter((m) => m !== id));
    this.removed.add(id);
    this.emitMembership(id, 'removed', removed);
  }

  private emitMembership(node: NodeId, change: MembershipEvent['change'], r: StepResult): void {
    this.events.emit('membership', {
      at: Date.now(),
      node,
      change,
      index: r.index,
      voters: [...r.conf.voters],
      learners: [...r.conf.learners],
    });
  }

  /** `n<K>` with K one above the highest number used by any id this cluster knew. */
  private nextNodeId(): NodeId {
    let max = 0;
    for (const id of this.known) {
      const m = /^n(\d+)$/.exec(id);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return `n${max + 1}`;
  }

  private pollMs(): number {
    return Math.max(5, this.opts.tickMs * 2);
  }

  // ------------------------------------------------------------ internals

  /** HandleHost: the node's current incarnation. */
  current(id: NodeId): NodeProcess | null {
    return this.procs.get(id) ?? null;
  }

  private requireKnown(id: NodeId): void {
    if (!this.known.has(id)) throw new InvalidRequestError(`unknown node ${id}`);
  }

  private firstStartMode(id: NodeId): 'createIfMissing' | 'mustExist' {
    return this.opts.nodeOptions[id]?.mustExist ? 'mustExist' : 'createIfMissing';
  }

  private storePath(id: NodeId): string {
    const dir = this.dataDir as string;
    const p = this.opts.nodeOptions[id]?.storePath;
    if (p === undefined) return join(dir, id);
    return isAbsolute(p) ? p : resolve(dir, p);
  }

  private actorOptions(id: NodeId, epoch: number): ActorOptions {
    return actorOptionsFor(this.opts, id, epoch, this.bootstraps.get(id));
  }

  private async spawn(id: NodeId, mode: 'createIfMissing' | 'mustExist'): Promise<void> {
    const epoch = this.epochs.has(id)
      ? (this.epochs.get(id) as number) + 1
      : (this.opts.nodeOptions[id]?.epoch ?? 0);
    this.epochs.set(id, epoch);
    const storage: StorageSpec =
      this.opts.storage === 'lmdb'
        ? { kind: 'lmdb', path: this.storePath(id), mode, durability: this.opts.durability }
        : { kind: 'memory' };
    let proc: NodeProcess | null = null;
    this.starting.add(id);
    try {
      // One opener per store (processes and threads): held until the worker has exited.
      const lock = storage.kind === 'lmdb' ? await acquireStoreLock(storage.path) : null;
      proc = await NodeProcess.spawn({
        onWorkerGone: () => void lock?.release(),
        actor: this.actorOptions(id, epoch),
        storage,
        startTimeoutMs: this.opts.startTimeoutMs,
        // The actor restores its stored snapshot on the pool before it reports ready.
        onPorts: (ports) => this.pool.serve(ports.side),
        onEvent: (ev) => this.onActorEvent(ev),
        // A worker that failed to start never became `proc`: its exit is not a node event.
        onExit: (how, error) => {
          if (proc) this.onExit(id, proc, how, error, epoch);
        },
      });
    } finally {
      this.starting.delete(id);
    }
    if (this.isClosed) {
      await proc.shutdown();
      throw new ClusterClosedError();
    }
    this.procs.set(id, proc);
    this.router.attach(id, proc.ports.raft);
    this.events.emit('node', { node: id, at: Date.now(), event: 'started', epoch });
  }

  private onExit(
    id: NodeId,
    proc: NodeProcess,
    how: 'stopped' | 'killed' | 'crashed',
    error: Error | null,
    epoch: number,
  ): void {
    if (this.procs.get(id) !== proc) return;
    this.router.detach(id);
    this.pool.release(proc.ports.side);
    if (this.knownLeader === id) this.knownLeader = null;
    this.events.emit('node', {
      node: id,
      at: Date.now(),
      event: how,
      epoch,
      ...(error ? { error: error.message } : {}),
    });
  }

  private onActorEvent(ev: ActorEvent): void {
    switch (ev.type) {
      case 'transition': {
        const t = ev.transition;
        if (t.to === 'leader') this.knownLeader = t.node;
        else if (this.knownLeader === t.node) this.knownLeader = null;
        this.events.emit('transition', { ...t, at: ev.at });
        return;
      }
      case 'observation': {
        this.events.emit('observation', ev.observation);
        for (const alert of this.monitor.observe(ev.observation)) this.events.emit('alert', alert);
        return;
      }
      case 'alert': {
        const a = ev.alert;
        if (a.kind === 'divergence' && a.index !== null) {
          // The leader and the diverged node itself both report a confirmed divergence: surface it once.
          const key = `${a.nodes.join(',')}@${a.index}`;
          if (this.surfacedDivergences.has(key)) return;
          this.surfacedDivergences.add(key);
          if (this.surfacedDivergences.size > 10_000) {
            this.surfacedDivergences.delete(this.surfacedDivergences.values().next().value as string);
          }
        }
        this.runtimeAlerts.push(a);
        if (this.runtimeAlerts.length > 10_000) this.runtimeAlerts.shift();
        this.events.emit('alert', a);
        if (a.kind === 'divergence' && this.opts.autoRepair && !this.partial) {
          for (const n of a.nodes) this.autoRepair(n);
        }
        return;
      }
      case 'snapshot':
        this.events.emit('snapshot', ev.event);
        return;
    }
  }

  private startStatusTimer(): void {
    this.statusTimer = setInterval(() => {
      if (this.events.listenerCount('status') === 0) return;
      void this.statuses().then((nodes) => {
        if (!this.isClosed) this.events.emit('status', { at: Date.now(), nodes });
      });
    }, this.opts.statusIntervalMs);
    this.statusTimer.unref();
  }
}

/** The leader every running local node follows in one term, or null (a partial cluster's view). */
function agreedLeader(
  statuses: readonly (RuntimeNodeStatus | null)[],
  exclude: ReadonlySet<NodeId>,
): NodeId | null {
  const running = statuses.filter((s): s is RuntimeNodeStatus => s !== null);
  const [first] = running;
  if (!first?.leader || exclude.has(first.leader)) return null;
  const agreed = running.every(
    (s) =>
      s.leader === first.leader && s.term === first.term && (s.id === first.leader) === (s.role === 'leader'),
  );
  return agreed ? first.leader : null;
}

/**
 * Start a cluster of worker-thread actors (all of `nodes`, or the `local`
 * ones). With `start: false` it returns before any node runs: subscribe to
 * `cluster.events`, add links, then `await cluster.start()`.
 */
export function createCluster(options: ClusterOptions = {}): Promise<Cluster> {
  return Cluster.create(options);
}
