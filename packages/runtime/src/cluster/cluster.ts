import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type NodeId, type SplitBrainAlert, SplitBrainMonitor } from '@raftkit/core';
import type { ActorOptions } from '../actor/node-actor.js';
import type { StorageSpec } from '../actor/worker-init.js';
import { type ClientOptions, type ClientTarget, RaftClient } from '../client/raft-client.js';
import type { ActorEvent, RuntimeNodeStatus } from '../control/api.js';
import { NodeHandle } from '../control/node-handle.js';
import { NodeProcess } from '../control/node-process.js';
import { ClusterClosedError, InvalidRequestError } from '../errors.js';
import { hashString } from '../rng.js';
import { SideWorkPool } from '../side-work/pool.js';
import type { LinkFaults, LinkSelector } from '../transport/fault-table.js';
import { Router } from '../transport/router.js';
import { waitFor } from '../wait-for.js';
import { ClusterEvents } from './events.js';
import { type ClusterOptions, type ResolvedOptions, resolveOptions } from './options.js';

export interface WaitForLeaderOptions {
  readonly timeoutMs?: number;
  /** Ignore these nodes as leaders (e.g. the one just isolated). */
  readonly exclude?: readonly NodeId[];
}

/**
 * A cluster of worker-thread actors on this process: one worker per node,
 * the main-thread router carrying their frames, a shared side-work pool, and
 * the split-brain monitor over all nodes' observations.
 */
export class Cluster implements ClientTarget {
  readonly ids: readonly NodeId[];
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
  private readonly clients = new Set<RaftClient>();
  private statusTimer: NodeJS.Timeout | null = null;
  private knownLeader: NodeId | null = null;
  private isClosed = false;
  private closing: Promise<void> | null = null;

  private constructor(opts: ResolvedOptions, dataDir: string | null, ownsDataDir: boolean) {
    this.opts = opts;
    this.ids = opts.ids;
    this.dataDir = dataDir;
    this.ownsDataDir = ownsDataDir;
    this.router = new Router({ seed: opts.seed });
    this.pool = new SideWorkPool({ maxThreads: opts.sideWorkThreads });
    this.monitor = new SplitBrainMonitor({ electionTimeout: opts.electionTicks * opts.tickMs });
    for (const id of opts.ids) this.handles.set(id, new NodeHandle(id, this));
  }

  /** Start every node and wait until all actors run (not until a leader exists: see waitForLeader). */
  static async create(options: ClusterOptions = {}): Promise<Cluster> {
    const opts = resolveOptions(options);
    let dataDir: string | null = null;
    let owns = false;
    if (opts.storage === 'lmdb') {
      if (options.dataDir) {
        dataDir = resolve(options.dataDir);
        mkdirSync(dataDir, { recursive: true });
      } else {
        dataDir = mkdtempSync(join(tmpdir(), 'raftkit-'));
        owns = true;
      }
    }
    const cluster = new Cluster(opts, dataDir, owns);
    try {
      await Promise.all(opts.ids.map((id) => cluster.spawn(id, 'createIfMissing')));
    } catch (err) {
      await cluster.close();
      throw err;
    }
    cluster.startStatusTimer();
    return cluster;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The control handle of a node (stable across restarts). */
  node(id: NodeId): NodeHandle {
    const h = this.handles.get(id);
    if (!h) throw new InvalidRequestError(`unknown node ${id}`);
    return h;
  }

  /** ClientTarget: who the cluster last saw become leader. */
  leaderHint(): NodeId | null {
    return this.knownLeader;
  }

  /** A client that follows leader hints and retries with sessions (exactly-once writes). */
  client(opts: ClientOptions = {}): RaftClient {
    if (this.isClosed) throw new ClusterClosedError();
    if (opts.via !== undefined) this.node(opts.via);
    const c = new RaftClient(this, { retryBaseMs: this.opts.tickMs, ...opts });
    this.clients.add(c);
    return c;
  }

  isRunning(id: NodeId): boolean {
    return this.procs.get(id)?.running ?? false;
  }

  // ------------------------------------------------------------ faults (router)

  /** Split the network into groups that cannot reach each other (a node in no group is isolated). */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const g of groups) for (const id of g) this.node(id);
    this.router.faults.partition(groups);
  }

  /** Cut one node off from all others. */
  isolate(id: NodeId): void {
    this.node(id);
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
    this.node(id);
    await this.procs.get(id)?.kill();
  }

  /** Stop a node gracefully (it flushes and closes its storage). */
  async stop(id: NodeId): Promise<void> {
    this.node(id);
    await this.procs.get(id)?.shutdown();
  }

  /** Start a stopped or killed node again from its data dir (its store must exist and be intact). */
  async restart(id: NodeId): Promise<void> {
    this.node(id);
    if (this.isClosed) throw new ClusterClosedError();
    if (this.isRunning(id)) throw new InvalidRequestError(`node ${id} is running; kill or stop it first`);
    if (this.starting.has(id)) throw new InvalidRequestError(`node ${id} is already starting`);
    if (this.opts.storage === 'memory') {
      throw new InvalidRequestError(
        `node ${id} uses memory storage: restarting it empty could make it vote twice in a term (use lmdb)`,
      );
    }
    await this.spawn(id, 'mustExist');
  }

  /** Resolves to the leader id once a quorum of nodes agree on one leader in its term. */
  async waitForLeader(opts: WaitForLeaderOptions = {}): Promise<NodeId> {
    const quorum = Math.floor(this.ids.length / 2) + 1;
    const exclude = new Set(opts.exclude ?? []);
    return waitFor(
      async () => {
        if (this.isClosed) throw new ClusterClosedError();
        const statuses = await this.statuses();
        for (const st of Object.values(statuses)) {
          if (st?.role !== 'leader' || exclude.has(st.id)) continue;
          const followers = Object.values(statuses).filter(
            (s) => s && s.leader === st.id && s.term === st.term,
          );
          if (followers.length >= quorum) return st.id;
        }
        return null;
      },
      {
        timeoutMs: opts.timeoutMs ?? 10_000,
        intervalMs: Math.max(5, this.opts.tickMs / 2),
        what: 'a leader',
      },
    );
  }

  /** Status of every node; null for nodes that are not running (or do not answer). */
  async statuses(): Promise<Record<NodeId, RuntimeNodeStatus | null>> {
    const out: Record<NodeId, RuntimeNodeStatus | null> = {};
    await Promise.all(
      this.ids.map(async (id) => {
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
      await Promise.all([...this.procs.values()].map((p) => p.shutdown(3000)));
      this.procs.clear();
      await this.router.close();
      await this.pool.close();
      if (this.ownsDataDir && this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
    })();
    return this.closing;
  }

  // ------------------------------------------------------------ internals

  /** HandleHost: the node's current incarnation. */
  current(id: NodeId): NodeProcess | null {
    return this.procs.get(id) ?? null;
  }

  private actorOptions(id: NodeId, epoch: number): ActorOptions {
    const o = this.opts;
    return {
      id,
      peers: o.ids,
      seed: hashString(id, o.seed >>> 0) ^ epoch,
      tickMs: o.tickMs,
      electionTicks: o.electionTicks,
      heartbeatTicks: o.heartbeatTicks,
      preVote: o.preVote,
      checkQuorum: o.checkQuorum,
      readMode: o.readMode,
      maxClockDriftTicks: o.maxClockDriftTicks,
      machine: o.stateMachine,
      epoch,
      hashCheckEvery: o.hashCheckEvery,
      checkpointEvery: o.checkpointEvery,
      observeEveryMs: Math.max(10, o.tickMs * 2),
    };
  }

  private async spawn(id: NodeId, mode: 'createIfMissing' | 'mustExist'): Promise<void> {
    const epoch = this.epochs.has(id) ? (this.epochs.get(id) as number) + 1 : 0;
    this.epochs.set(id, epoch);
    const storage: StorageSpec =
      this.opts.storage === 'lmdb'
        ? { kind: 'lmdb', path: join(this.dataDir as string, id), mode, durability: this.opts.durability }
        : { kind: 'memory' };
    let proc: NodeProcess | null = null;
    this.starting.add(id);
    try {
      proc = await NodeProcess.spawn({
        actor: this.actorOptions(id, epoch),
        storage,
        startTimeoutMs: this.opts.startTimeoutMs,
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
    this.pool.serve(proc.ports.side);
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
        for (const alert of this.monitor.observe(ev.observation)) this.events.emit('alert', alert);
        return;
      }
      case 'alert':
        this.runtimeAlerts.push(ev.alert);
        if (this.runtimeAlerts.length > 10_000) this.runtimeAlerts.shift();
        this.events.emit('alert', ev.alert);
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

/** Start a cluster of worker-thread actors. */
export function createCluster(options: ClusterOptions = {}): Promise<Cluster> {
  return Cluster.create(options);
}
