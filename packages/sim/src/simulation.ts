/**
 * A whole cluster in one thread on virtual time, determined by one seed.
 *
 * Everything happens as events on one queue (virtual microseconds, ties
 * broken by scheduling order): node ticks (each node's clock may run fast or
 * slow), message deliveries, disk syncs, client requests and replies, and
 * nemesis actions. Every concern draws randomness from its own stream of the
 * seed, so adding a client does not change what the network does.
 *
 * Invariants are checked as the data they cover changes; the first breach
 * stops the run. At the end (all faults healed, a quiet period elapsed) the
 * cluster must have converged and the client history must be linearizable.
 */
import {
  InvalidArgumentError,
  type Message,
  type NodeId,
  NotLeaderError,
  type RaftConfig,
  type ResolvedRaftTuning,
  SeededRng,
  type SplitBrainAlert,
  SplitBrainMonitor,
  type VerificationState,
  validateRaftTuning,
} from '@raftkit/core';
import { withInjectedBugs } from '@raftkit/core/testing';
import {
  checkOperations,
  formatCheckResult,
  HistoryRecorder,
  kvModel,
  kvOperations,
  type Verdict,
} from './checker/index.js';
import { type ClientReply, type ClientRequest, describeReply, describeRequest } from './client-protocol.js';
import { describeMessage } from './describe-message.js';
import { ElectionStats } from './election-stats.js';
import { EventQueue } from './event-queue.js';
import { checkConvergence, InvariantSuite, type Violation } from './invariants/index.js';
import { MembershipHost } from './membership-host.js';
import {
  type ClusterEvent,
  type CrashPoint,
  type FaultTarget,
  MembershipOperator,
  Nemesis,
  PROFILES,
} from './nemesis/index.js';
import { DEFAULT_LINK, NetworkModel } from './network.js';
import {
  type ClusterConfig,
  describeClusterConfig,
  drawClusterConfig,
  type ResolvedOptions,
  resolveOptions,
  type SimOptions,
  TICK_US,
} from './options.js';
import { type NodeInput, SimNode } from './sim-node.js';
import type { SeedResult } from './summary.js';
import { Trace } from './trace.js';
import { Client, drawReadOnlyPhases } from './workload.js';

type SimEvent =
  | { readonly k: 'tick'; readonly node: SimNode; readonly incarnation: number }
  | { readonly k: 'input'; readonly node: SimNode; readonly input: NodeInput }
  | { readonly k: 'reply'; readonly client: Client; readonly reply: ClientReply }
  | { readonly k: 'call'; readonly fn: () => void };

/** Share of disk syncs that stall for 5-30 ms. */
const DISK_STALL_PROBABILITY = 0.03;

/** How far past the observation instant a lease in force is reported (1 microsecond). */
const LEASE_EPSILON_TICKS = 1 / TICK_US;

/** Extra time the run may take, after its nominal end, for the cluster to converge. */
const CONVERGENCE_GRACE_TICKS = 400;

export class Simulation {
  readonly options: ResolvedOptions;
  readonly config: ClusterConfig;
  /** config.raft resolved by core: every option's value as the nodes run it. */
  readonly tuning: ResolvedRaftTuning;
  readonly network: NetworkModel;
  readonly invariants: InvariantSuite;
  readonly monitor: SplitBrainMonitor;
  readonly recorder: HistoryRecorder;
  readonly trace: Trace;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly clients: Client[] = [];
  readonly nemesis: Nemesis;
  readonly tickUs = TICK_US;
  /** Elections, spurious elections and failover times (liveness numbers). */
  readonly elections: ElectionStats;
  /** Membership changes: the machines that may join and leave (membership profiles only). */
  readonly membership: MembershipHost | null;

  private readonly queue = new EventQueue<SimEvent>();
  private readonly diskRng: SeededRng;
  private readonly tickRng: SeededRng;
  private readonly nodeSeeds: SeededRng;
  /** Store incarnations (drawn at creation and at every wipe). */
  private readonly identityRng: SeededRng;
  /** The initial voters' first store incarnations: the bootstrap configuration, at every start that needs it. */
  private readonly initialIncarnations: Readonly<Record<NodeId, number>>;
  /** The machines running as cluster nodes right now (up, or down and due to restart). */
  private readonly ids: NodeId[];
  /** The voters the cluster was started with. */
  readonly initialVoters: readonly NodeId[];
  private readonly operator: MembershipOperator | null = null;
  private time = 0;
  private events = 0;
  private readonly leaders = new Set<NodeId>();
  private maxLeadersAtOnce = 0;
  private readonly alerts: SplitBrainAlert[] = [];
  private readonly endTime: number;
  private readonly healAt: number;
  private finished = false;
  /** [start, end) intervals of virtual time in which clients only read. */
  private readonly readOnlyPhases: readonly (readonly [number, number])[];

  constructor(opts: SimOptions) {
    const o = resolveOptions(opts);
    this.options = o;
    const root = (stream: string) => new SeededRng(o.seed, stream);
    this.config = drawClusterConfig(root('config'), o);
    this.tuning = validateRaftTuning(this.config.raft);
    this.diskRng = root('disk');
    this.tickRng = root('tick-phase');
    this.nodeSeeds = root('node-seeds');
    this.identityRng = root('identity');
    this.trace = new Trace(o.trace);
    this.ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
    this.initialVoters = this.ids.slice();
    this.invariants = new InvariantSuite({ voters: this.initialVoters, learners: [] });
    this.invariants.membership.setDurableLookup((id, index, term) => this.durablyHolds(id, index, term));
    this.invariants.membership.setIncarnationLookup((id) => this.nodes.get(id)?.storeIncarnation ?? 0);
    const profileDef = PROFILES[o.profile];
    this.network = new NetworkModel(this.ids, root('network'), { ...DEFAULT_LINK, ...profileDef.link });
    this.monitor = new SplitBrainMonitor({
      electionTimeout: this.tuning.electionTicks,
      checkpointInterval: this.tuning.checkpointInterval,
    });
    this.recorder = new HistoryRecorder({ now: () => this.time });
    this.endTime = o.ticks * TICK_US;
    const quietTicks = Math.max(150, Math.round(o.ticks * 0.2));
    this.healAt = this.endTime - quietTicks * TICK_US;
    this.elections = new ElectionStats(TICK_US, this.healAt);

    for (const id of this.ids) this.createNode(id);
    this.initialIncarnations = Object.fromEntries(this.ids.map((id) => [id, this.node(id).storeIncarnation]));
    this.invariants.membership.bindInitial(this.initialIncarnations);
    this.readOnlyPhases = drawReadOnlyPhases(root('phases'), this.endTime - 80 * TICK_US, TICK_US);
    const clientEnv = this.clientEnv();
    const workload = {
      keys: 4,
      leaseReadRatio: this.config.leaseReads ? 0.6 : 0,
      thinkUs: 3 * TICK_US,
      attemptTimeoutUs: 15 * TICK_US,
      opDeadlineUs: 60 * TICK_US,
      stopAt: this.endTime - 80 * TICK_US,
    };
    for (let i = 0; i < o.clients; i++) {
      // The last client only reads: it stays with its node, as a cache or dashboard would.
      const readOnly = o.clients > 1 && i === o.clients - 1;
      const leaseReadRatio = readOnly && this.config.leaseReads ? 0.9 : workload.leaseReadRatio;
      this.clients.push(
        new Client(`c${i + 1}`, root(`client:${i + 1}`), clientEnv, {
          ...workload,
          readOnly,
          leaseReadRatio,
        }),
      );
    }
    const profile = {
      ...profileDef,
      ...(o.faultWeights !== null ? { weights: o.faultWeights } : {}),
      ...(o.faultIntervalTicks !== null ? { meanIntervalTicks: o.faultIntervalTicks } : {}),
    };
    if (profileDef.membership) {
      // Two spare machines beyond the initial voters may join (and rejoin after a wipe).
      const spares = [1, 2].map((i) => `n${o.nodes + i}`);
      this.membership = new MembershipHost(this.hostEnv(), spares);
    } else {
      this.membership = null;
    }
    if (profileDef.persistentClockRates !== undefined) {
      const rates = profileDef.persistentClockRates;
      const rng = root('clock-rates');
      for (const id of this.ids) {
        if (!rng.chance(rates.chance)) continue;
        const [lo, hi] = rng.chance(0.5) ? rates.slow : rates.fast;
        const n = this.node(id);
        n.clockRate = lo + rng.float() * (hi - lo);
        n.persistentClockRate = n.clockRate;
        this.trace.log(0, () => `${id} clock runs at x${n.clockRate.toFixed(3)} for the whole run`);
      }
    }
    this.nemesis = new Nemesis(this.faultTarget(), profile, root('nemesis'), {
      startAt: 30 * TICK_US,
      healAt: this.healAt,
      clockRateRange: this.config.clockRateRange,
      electionTicks: this.tuning.electionTicks,
    });
    if (this.membership !== null) {
      this.operator = new MembershipOperator(this.nemesis, this.membership, root('membership'), o.nodes);
    }
  }

  get now(): number {
    return this.time;
  }

  /**
   * Runs `fn` at virtual time `time` during the run (scripted scenarios and
   * drills: corrupt a node's state, force a fault). Call before run().
   */
  schedule(time: number, fn: () => void): void {
    this.queue.push(Math.max(time, this.time), { k: 'call', fn });
  }

  /** Runs to the end (or the first violation) and returns the seed's result. */
  run(): SeedResult {
    if (this.finished) throw new Error('a Simulation runs once; create a new one to run again');
    this.finished = true;
    const started = performance.now();
    this.log(
      () =>
        `start seed=${this.options.seed} nodes=${this.ids.join(',')} config=${describeClusterConfig(this.config)}`,
    );
    for (const node of this.nodes.values()) this.startNode(node);
    for (const c of this.clients) c.start(this.tickRng.int(5, 20) * TICK_US);
    this.nemesis.start();
    this.operator?.start(40 * TICK_US);
    this.runUntil(this.endTime);
    if (!this.invariants.failed) this.awaitConvergence();
    let verdict: Verdict | 'skipped' = 'skipped';
    let checkerSteps = 0;
    let explanation: string | undefined;
    const ops = this.recorder.ops();
    if (!this.invariants.failed && this.options.checkHistory) {
      const result = checkOperations(kvModel, kvOperations(ops), { maxSteps: this.options.checkerMaxSteps });
      verdict = result.verdict;
      checkerSteps = result.steps;
      if (result.verdict !== 'linearizable') explanation = formatCheckResult({ ...result, elapsedMs: 0 }); // no wall time: replays print identically
    }
    return this.result(verdict, checkerSteps, explanation, ops.length, performance.now() - started);
  }

  private runUntil(until: number): void {
    const q = this.queue;
    while (!this.invariants.failed && q.peekTime() <= until) {
      const next = q.pop();
      if (next === undefined) break;
      this.time = next.time;
      this.events++;
      try {
        this.dispatch(next.event);
      } catch (err) {
        this.invariants.report({
          invariant: 'exception',
          time: this.time,
          nodes: nodeOf(next.event),
          message: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        });
      }
    }
    if (!this.invariants.failed) this.time = Math.max(this.time, until);
  }

  private dispatch(e: SimEvent): void {
    const trace = this.trace;
    switch (e.k) {
      case 'tick': {
        const node = e.node;
        if (node.incarnation !== e.incarnation || !node.up) return;
        trace.fold(this.time, 1, node.incarnation);
        node.nextTickAt = this.time + Math.max(1, Math.round(TICK_US / node.clockRate));
        this.queue.push(node.nextTickAt, e);
        node.tick();
        // A leader's lease is reported tick by tick (see observe()).
        if (this.config.leaseReads && node.role === 'leader' && node.up && !node.paused)
          this.observe(node, false);
        return;
      }
      case 'input': {
        const input = e.input;
        if (input.kind === 'message') {
          const m = input.msg;
          trace.fold(this.time, 2, m.term * 16 + m.type.length);
          if (!this.network.canReach(m.from, m.to)) {
            // Like a firewall rule, a partition also drops what was already on the wire.
            this.log(() => `${m.to} <- ${m.from} ${m.type} CUT in flight`);
            return;
          }
          this.log(
            () =>
              `${m.to} <- ${m.from} ${describeMessage(m)}${e.node.up ? (e.node.paused ? ' [paused]' : '') : ' [down]'}`,
          );
        } else if (input.kind === 'client') {
          trace.fold(this.time, 3, input.req.seq);
          this.log(() => `${e.node.id} <- ${describeRequest(input.req)}${e.node.up ? '' : ' [down]'}`);
        } else {
          trace.fold(this.time, 4, input.incarnation);
          this.log(() => `${e.node.id} synced`);
        }
        e.node.input(input);
        // A paused node processed nothing: its frozen view is not a lease in use.
        if (this.config.leaseReads && e.node.role === 'leader' && e.node.up && !e.node.paused) {
          this.observe(e.node, false);
        }
        return;
      }
      case 'reply':
        trace.fold(this.time, 5, e.reply.seq);
        e.client.onReply(e.reply);
        return;
      case 'call':
        trace.fold(this.time, 6, 0);
        e.fn();
        return;
    }
  }

  /** After the nominal end: give a lagging cluster a bounded grace period, then require convergence. */
  private awaitConvergence(): void {
    const deadline = this.endTime + CONVERGENCE_GRACE_TICKS * TICK_US;
    while (!this.invariants.failed && !this.converged() && this.time < deadline) {
      this.runUntil(this.time + TICK_US);
    }
    if (this.invariants.failed) return;
    const report = this.invariants.report;
    const members = this.finalMembers();
    const strayLeaders = this.ids.filter(
      (id) => !members.some((m) => m.id === id) && this.nodes.get(id)?.role === 'leader',
    );
    if (strayLeaders.length > 0) {
      report({
        invariant: 'convergence',
        time: this.time,
        nodes: strayLeaders,
        message: `nodes outside the final configuration believe they lead: ${strayLeaders.join(', ')}`,
      });
      return;
    }
    checkConvergence(
      members.map((n) => ({
        id: n.id,
        up: n.up,
        commitIndex: n.commit,
        appliedIndex: n.sm.appliedIndex,
        stateHash: n.sm.hash(),
      })),
      this.time,
      report,
    );
    if (this.invariants.failed) return;
    this.invariants.acks.finalCheck(
      members.map((n) => ({ id: n.id, log: n.storage, appliedIndex: n.sm.appliedIndex })),
      this.time,
    );
    // A last status round (as a host's periodic report would give): the monitor's
    // verification at the end judges every node by what it reports now.
    for (const n of members) if (n.up) this.observe(n, false);
  }

  /**
   * The nodes that must have converged at the end: all of them, or with
   * membership changes the members (voters and learners) of the leader's
   * configuration (removed machines that keep running are not).
   */
  private finalMembers(): SimNode[] {
    const all = this.ids.map((id) => this.node(id));
    if (this.membership === null) return all;
    const leader = this.currentLeader();
    const conf =
      leader !== null ? this.node(leader).raft?.status().conf : this.invariants.membership.committedConf;
    if (conf === undefined) return all;
    const members = new Set([...conf.voters, ...conf.learners]);
    return [...members].sort().map((id) => this.node(id));
  }

  private converged(): boolean {
    let applied = -1;
    let hash = '';
    let leaders = 0;
    for (const n of this.finalMembers()) {
      if (!n.up || n.paused) return false;
      if (n.role === 'leader') leaders++;
      const a = n.sm.appliedIndex;
      if (applied === -1) {
        applied = a;
        hash = n.sm.hash();
      } else if (a !== applied || n.commit !== a || n.sm.hash() !== hash) {
        return false;
      }
    }
    return leaders === 1 && this.clients.every((c) => !c.busy);
  }

  // ---- wiring --------------------------------------------------------------

  private raftConfig(id: NodeId, storage: SimNode['storage'], applied: number): RaftConfig {
    const boot = this.node(id).bootstrap;
    const priority = this.options.priorities[id] ?? 0;
    const config: RaftConfig = {
      ...this.config.raft,
      id,
      storage,
      peers: boot?.voters ?? this.initialVoters,
      ...(boot !== null && boot.learners.length > 0 ? { learners: boot.learners } : {}),
      incarnation: this.node(id).storeIncarnation,
      // Every member's store incarnation is known here: the bootstrap configuration is bound.
      bootstrapIncarnations: boot?.incarnations ?? this.initialIncarnations,
      seed: this.nodeSeeds.nextUint32(),
      applied,
      ...(priority > 0 ? { priority } : {}),
    };
    return this.options.bugs.length > 0 ? withInjectedBugs(config, this.options.bugs) : config;
  }

  private node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new RangeError(`unknown node ${id}`);
    return n;
  }

  private createNode(id: NodeId): SimNode {
    const existing = this.nodes.get(id);
    if (existing !== undefined) return existing;
    const node = new SimNode(
      id,
      this.nodeEnv(this.options.bugs.includes('reply-before-persist')),
      (storage, _incarnation, applied) => this.raftConfig(id, storage, applied),
      this.config.compactionTail,
      () => 1 + (this.identityRng.nextUint32() % 0x7fff_ffff),
    );
    this.nodes.set(id, node);
    return node;
  }

  /** Whether `id` durably holds (index, term): synced to its disk, or compacted into its snapshot. */
  private durablyHolds(id: NodeId, index: number, term: number): boolean {
    const n = this.nodes.get(id);
    if (n === undefined) return false;
    const s = n.storage;
    if (index < s.firstIndex() - 1) return (s.snapshot()?.meta.index ?? 0) >= index;
    if (index > n.durableIndex || index > s.lastIndex()) return false;
    return s.term(index) === term;
  }

  private startNode(node: SimNode): void {
    node.nextTickAt = this.time + this.tickRng.int(1, TICK_US);
    node.start();
    this.queue.push(node.nextTickAt, { k: 'tick', node, incarnation: node.incarnation });
  }

  private crashNode(node: SimNode): void {
    if (!node.up) return;
    this.log(() => `${node.id} CRASH${node.syncPending ? ' (unsynced writes lost)' : ''}`);
    const led = node.role === 'leader' && this.currentLeader() === node.id;
    this.elections.onCrash(node.id, led ? node.term : null, this.time);
    node.crash();
    this.leaders.delete(node.id);
    this.record(this.monitor.nodeStopped(node.id, this.time / TICK_US));
  }

  private restartNode(node: SimNode): void {
    // A machine taken out of service (membership) is not restarted by a fault's heal.
    if (node.up || !this.ids.includes(node.id)) return;
    this.log(() => `${node.id} RESTART`);
    this.startNode(node);
  }

  private nodeEnv(replyBeforePersist: boolean) {
    const sim = this;
    return {
      get now() {
        return sim.time;
      },
      invariants: this.invariants,
      replyBeforePersist,
      // Beyond a few of the longest election timeouts more ticks change nothing.
      maxCatchUpTicks: 3 * this.tuning.maxElectionTicks,
      scheduleSync(node: SimNode) {
        const [lo, hi] = sim.config.diskLatencyUs;
        const rng = sim.diskRng;
        // Mostly fast, skewed towards lo; now and then an fsync stalls (a busy disk, a journal commit).
        let latency = lo + Math.floor(rng.float() * rng.float() * (hi - lo));
        if (rng.chance(DISK_STALL_PROBABILITY)) latency += rng.int(5_000, 30_000);
        sim.queue.push(sim.time + latency, {
          k: 'input',
          node,
          input: { kind: 'synced', incarnation: node.incarnation },
        });
      },
      send(msg: Message) {
        const to = sim.nodes.get(msg.to);
        if (to === undefined) return;
        const times = sim.network.route(msg.from, msg.to, sim.time);
        if (times.length === 0) sim.log(() => `${msg.from} -> ${msg.to} ${msg.type} LOST`);
        for (const t of times) sim.queue.push(t, { k: 'input', node: to, input: { kind: 'message', msg } });
      },
      reply(reply: ClientReply) {
        const client = sim.clients.find((c) => c.id === reply.client);
        if (client === undefined) return;
        sim.log(() => `${reply.node} -> ${describeReply(reply)}`);
        sim.queue.push(sim.time + sim.network.clientLatency(), { k: 'reply', client, reply });
      },
      clusterEvent(e: ClusterEvent) {
        if (e.kind === 'leaderElected') {
          sim.elections.onElected(e.node, e.term, e.cause, sim.time, (id) => sim.liveAndConnected(id));
        } else if (e.kind === 'leaderCommitted') {
          sim.elections.onLeaderCommit(e.term, sim.time);
        }
        sim.nemesis.observe(e);
      },
      changed(node: SimNode, restarted: boolean) {
        sim.observe(node, restarted);
      },
      crashFired(node: SimNode, point: CrashPoint, restartAfterUs: number) {
        sim.log(() => `${node.id} armed crash fires (${point})`);
        sim.crashNode(node);
        sim.queue.push(sim.time + restartAfterUs, { k: 'call', fn: () => sim.restartNode(node) });
      },
      log(text: () => string) {
        sim.log(text);
      },
    };
  }

  private clientEnv() {
    const sim = this;
    return {
      get now() {
        return sim.time;
      },
      recorder: this.recorder,
      writesPaused: () => sim.writesPaused(),
      nodeIds: () => sim.ids,
      send(to: NodeId, req: ClientRequest) {
        const node = sim.nodes.get(to);
        if (node === undefined) return;
        sim.log(() => `${req.client} -> ${to} ${describeRequest(req)}`);
        sim.queue.push(sim.time + sim.network.clientLatency(), {
          k: 'input',
          node,
          input: { kind: 'client', req },
        });
      },
      at(time: number, fn: () => void) {
        sim.queue.push(Math.max(time, sim.time), { k: 'call', fn });
      },
      log(text: string) {
        sim.log(() => text);
      },
    };
  }

  /** Up, running, and no fault in force that cuts it off (for counting spurious elections). */
  private liveAndConnected(id: NodeId): boolean {
    const n = this.nodes.get(id);
    return n?.up === true && !n.paused && !this.network.isFaulty();
  }

  private faultTarget(): FaultTarget {
    const sim = this;
    const node = (id: NodeId) => sim.node(id);
    return {
      get now() {
        return sim.time;
      },
      tickUs: TICK_US,
      network: this.network,
      nodeIds: () => sim.ids,
      isUp: (id) => sim.nodes.get(id)?.up ?? false,
      isPaused: (id) => sim.nodes.get(id)?.paused ?? false,
      leader: () => sim.currentLeader(),
      crash: (id) => sim.crashNode(node(id)),
      restart: (id) => sim.restartNode(node(id)),
      pause: (id, queue) => node(id).pause(queue),
      resume: (id) => {
        sim.log(() => `${id} resumes`);
        node(id).resume();
      },
      setClockRate: (id, rate) => {
        // A clock that is off for the whole run stays off (a skew fault heals back to it).
        const n = node(id);
        n.clockRate = rate === 1 ? n.persistentClockRate : rate;
      },
      armCrash: (id, point, restartAfterUs) => {
        node(id).armed = { point, restartAfterUs };
      },
      disarmAll: () => {
        for (const n of sim.nodes.values()) n.armed = null;
      },
      transferLeadership: (from, to) => {
        const n = node(from);
        if (n.raft === null || n.paused || n.role !== 'leader') return;
        try {
          n.raft.transferLeadership(to);
        } catch (err) {
          // Leadership may have been lost since the last Ready, or `to` may no longer be a voter.
          if (!(err instanceof NotLeaderError) && !(err instanceof InvalidArgumentError)) throw err;
        }
        n.pump();
      },
      writesPaused: () => sim.writesPaused(),
      campaign: (id) => {
        const n = node(id);
        if (n.raft === null || n.paused) return;
        n.raft.campaign();
        n.pump();
      },
      at: (time, fn) => sim.queue.push(Math.max(time, sim.time), { k: 'call', fn }),
      log: (text) => sim.log(() => text),
      voters: () => sim.membership?.voters() ?? sim.ids,
      snapshotNow: (id) => node(id).requestSnapshot(),
      logBounds: (id) => {
        const s = node(id).storage;
        return { first: s.firstIndex(), last: s.lastIndex() };
      },
      ...(this.membership !== null ? { membership: this.membership } : {}),
    };
  }

  /** What the membership host needs from the simulation. */
  private hostEnv() {
    const sim = this;
    return {
      get now() {
        return sim.time;
      },
      tickUs: TICK_US,
      hosted: this.ids,
      network: this.network,
      node: (id: NodeId) => sim.createNode(id),
      leader: () => sim.currentLeader(),
      start: (n: SimNode) => sim.startNode(n),
      crash: (n: SimNode) => sim.crashNode(n),
      at: (time: number, fn: () => void) => sim.queue.push(Math.max(time, sim.time), { k: 'call', fn }),
      log: (text: string) => sim.log(() => text),
    };
  }

  private writesPaused(): boolean {
    return this.readOnlyPhases.some(([from, to]) => this.time >= from && this.time < to);
  }

  private currentLeader(): NodeId | null {
    let best: SimNode | null = null;
    for (const n of this.nodes.values()) {
      if (n.up && n.role === 'leader' && (best === null || n.term > best.term)) best = n;
    }
    return best?.id ?? null;
  }

  private observe(node: SimNode, restarted: boolean): void {
    if (node.role === 'leader' && node.up) this.leaders.add(node.id);
    else this.leaders.delete(node.id);
    if (this.leaders.size > this.maxLeadersAtOnce) this.maxLeadersAtOnce = this.leaders.size;
    const at = this.time / TICK_US;
    // The lease as the node can use it at this instant (valid, and not given up for a
    // leadership transfer), reported as ending a hair after now. Leaders are observed after
    // every event they process, so the monitor's lease interval of a node runs from the
    // first to the last moment it could serve a lease read. Reporting the lease's nominal
    // end instead would overstate it whenever a transfer or a step-down ends it early (the
    // monitor can only extend an interval, never cut it short).
    let leaseUntil: number | null = null;
    if (node.role === 'leader' && node.raft !== null && this.config.leaseReads) {
      const st = node.raft.status();
      if (st.leaseUntilTick !== null && st.tick < st.leaseUntilTick && st.transferee === null) {
        leaseUntil = at + LEASE_EPSILON_TICKS;
      }
    }
    this.record(
      this.monitor.observe({
        node: node.id,
        at,
        role: node.role,
        term: node.term,
        leader: node.leader,
        commitIndex: node.commit,
        appliedIndex: node.sm.appliedIndex,
        stateHash: this.options.monitorStateHashes ? node.sm.hash() : null,
        leaseUntil,
        restarted,
        epoch: node.incarnation,
      }),
    );
  }

  private record(alerts: readonly SplitBrainAlert[]): void {
    for (const a of alerts) {
      this.alerts.push(a);
      this.log(() => `monitor ${a.severity} ${a.kind}: ${a.message}`);
      if (a.severity === 'safety') {
        this.invariants.report({
          invariant: 'splitBrainMonitor',
          time: this.time,
          nodes: a.kind === 'divergence' && a.minority !== undefined ? a.minority : a.nodes,
          ...(a.index !== null ? { index: a.index } : {}),
          message: `${a.kind}: ${a.message}`,
        });
      }
    }
  }

  private log(text: () => string): void {
    this.trace.log(this.time, text);
  }

  private result(
    verdict: Verdict | 'skipped',
    checkerSteps: number,
    explanation: string | undefined,
    operations: number,
    wallMs: number,
  ): SeedResult {
    const o = this.options;
    let maxStale = 0;
    for (const d of this.monitor.staleLeaderDurations().values()) maxStale = Math.max(maxStale, d);
    const stats = { ok: 0, fail: 0, info: 0 };
    for (const c of this.clients) {
      stats.ok += c.stats.ok;
      stats.fail += c.stats.fail;
      stats.info += c.stats.info;
    }
    const snapshots = { taken: 0, installed: 0, restoredAtStart: 0 };
    for (const n of this.nodes.values()) {
      snapshots.taken += n.snapshotStats.taken;
      snapshots.installed += n.snapshotStats.installed;
      snapshots.restoredAtStart += n.snapshotStats.restoredAtStart;
    }
    const verification: Record<NodeId, VerificationState> = {};
    for (const v of this.monitor.verification()) {
      if (this.ids.includes(v.node)) verification[v.node] = v.state;
    }
    const membership: Record<string, number> =
      this.membership === null
        ? {}
        : {
            committed: this.invariants.membership.changesCommitted,
            ...this.membership.stats,
            ...(this.operator?.stats ?? {}),
          };
    const liveness = this.elections.result();
    return {
      seed: o.seed,
      nodes: o.nodes,
      ticks: o.ticks,
      profile: o.profile,
      bugs: o.bugs,
      config: this.config,
      priorities: o.priorities,
      violations: this.invariants.violations.slice(0, 5) as Violation[],
      verdict,
      checkerSteps,
      nonLinearizableExplanation: explanation,
      elections: this.invariants.elections.elections,
      maxLeadersAtOnce: this.maxLeadersAtOnce,
      maxStaleLeaderTicks: Math.round(maxStale * 100) / 100,
      commits: this.invariants.commits.maxCommitted,
      acknowledgedWrites: this.invariants.acks.count,
      operations,
      ops: stats,
      faults: this.nemesis.injected(),
      spuriousElections: liveness.spuriousElections,
      failoverTicks: liveness.failoverTicks,
      failoversUnfinished: liveness.failoversUnfinished,
      leaderChangesInQuiet: liveness.leaderChangesInQuiet,
      finalLeader: this.currentLeader(),
      snapshots,
      membership,
      finalMembers: this.finalMembers().map((n) => n.id),
      verification,
      alerts: {
        safety: this.alerts.filter((a) => a.severity === 'safety').length,
        warning: this.alerts.filter((a) => a.severity === 'warning').length,
      },
      events: this.events,
      endTime: this.time,
      digest: this.trace.digest,
      wallMs: Math.round(wallMs),
      ...(o.trace ? { trace: this.trace.lines } : {}),
    };
  }
}

function nodeOf(e: SimEvent): NodeId[] {
  return e.k === 'tick' || e.k === 'input' ? [e.node.id] : [];
}
