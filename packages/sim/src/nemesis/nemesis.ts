/**
 * The nemesis: injects faults at random times (from its own seeded stream),
 * heals each one after a random duration, and heals everything at `healAt`
 * so that the run ends with a quiet period in which liveness can be checked.
 *
 * Simple faults (partitions, crashes, pauses, clock skew, ...) live here;
 * multi-step scenarios that react to cluster events (Figure 8, dueling
 * candidates, power failure right after an acknowledged write, killing fresh
 * leaders) live in scenarios.ts. The nemesis drives the cluster only through
 * `FaultTarget`, so it can be tested against a fake and reused by other hosts.
 */
import type { NodeId, SeededRng } from '@raftkit/core';
import { Compaction } from './compaction.js';
import type { FaultTarget, NemesisFaults, NemesisOptions } from './fault-target.js';
import { overlappingChanges } from './overlapping-changes.js';
import type { FaultKind, NemesisProfile } from './profiles.js';
import { type ClusterEvent, Reactions } from './reactions.js';
import { Scenarios } from './scenarios.js';

export class Nemesis implements NemesisFaults {
  private readonly counts = new Map<FaultKind, number>();
  /** Bumped by every network fault, so that an old fault's heal does not undo a newer one. */
  private networkGeneration = 0;
  private readonly nodeFaultGeneration = new Map<NodeId, number>();
  private isHealed = false;
  readonly reactions: Reactions;
  readonly scenarios: Scenarios;
  private readonly compaction: Compaction;

  constructor(
    readonly target: FaultTarget,
    private readonly profile: NemesisProfile,
    readonly rng: SeededRng,
    readonly opts: NemesisOptions,
  ) {
    this.reactions = new Reactions(
      (time, fn) => target.at(time, fn),
      () => target.now,
    );
    this.scenarios = new Scenarios(this);
    this.compaction = new Compaction(this);
  }

  /** Schedules the first fault and the final heal. */
  start(): void {
    this.target.at(this.opts.healAt, () => this.healAll());
    if (Object.values(this.profile.weights).some((w) => (w ?? 0) > 0)) {
      this.target.at(this.opts.startAt + this.interval(), () => this.injectNext());
    }
  }

  get healed(): boolean {
    return this.isHealed;
  }

  /** The host reports cluster events here; running scenarios react to them. */
  observe(e: ClusterEvent): void {
    if (this.isHealed) return;
    this.scenarios.observe(e);
    this.reactions.emit(e);
  }

  /** How many faults of each kind were injected. */
  injected(): Readonly<Record<string, number>> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  private interval(): number {
    return Math.round(this.rng.exponential(this.profile.meanIntervalTicks) * this.target.tickUs) + 1;
  }

  /** A random fault duration of this profile, in microseconds. */
  duration(): number {
    const [lo, hi] = this.profile.durationTicks;
    return Math.round((lo + this.rng.float() * (hi - lo)) * this.target.tickUs);
  }

  private injectNext(): void {
    if (this.isHealed) return;
    const kind = this.rng.weighted(this.profile.weights as Record<FaultKind, number>);
    if (this.inject(kind)) this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const next = this.target.now + this.interval();
    if (next < this.opts.healAt) this.target.at(next, () => this.injectNext());
  }

  /** Applies one fault; false when it does not apply right now (e.g. no leader to isolate). */
  inject(kind: FaultKind): boolean {
    const t = this.target;
    const rng = this.rng;
    const ids = t.nodeIds();
    const leader = t.leader();
    // A running scenario owns the cluster: another fault now would only spoil its schedule.
    if (this.scenarios.running !== null) return false;
    switch (kind) {
      case 'partitionMajority': {
        const shuffled = rng.shuffle(ids);
        const majority = Math.floor(ids.length / 2) + 1;
        return this.networkFault(kind, () =>
          t.network.partition([shuffled.slice(0, majority), shuffled.slice(majority)]),
        );
      }
      case 'partitionRandom': {
        const groups: NodeId[][] = [[], [], []];
        const k = rng.int(2, 3);
        for (const id of ids) groups[rng.int(0, k - 1)].push(id);
        return this.networkFault(kind, () => t.network.partition(groups.filter((g) => g.length > 0)));
      }
      case 'isolateLeader':
        if (leader === null) return false;
        return this.networkFault(kind, () => t.network.isolate(leader));
      case 'leaderMinority': {
        if (leader === null) return false;
        const { minority, majority } = this.splitAround(leader);
        return this.networkFault(kind, () => t.network.partition([minority, majority]));
      }
      case 'oneWay': {
        const cuts: [NodeId, NodeId][] = [];
        const n = rng.int(1, 3);
        for (let i = 0; i < n; i++) {
          const a = leader !== null && rng.chance(0.6) ? leader : rng.pick(ids);
          const b = rng.pick(ids.filter((id) => id !== a));
          cuts.push(rng.chance(0.5) ? [a, b] : [b, a]);
        }
        return this.networkFault(kind, () => {
          for (const [from, to] of cuts) t.network.cutOneWay(from, to);
        });
      }
      case 'bridge': {
        // The leader on one side (not the bridge) makes the interesting case: the other side
        // can elect a second leader through the bridge node if stickiness fails.
        const shuffled = rng.shuffle(ids.filter((id) => id !== leader));
        const bridgeNode = shuffled[0];
        const rest = rng.shuffle(shuffled.slice(1).concat(leader === null ? [] : [leader]));
        const half = Math.floor(rest.length / 2);
        return this.networkFault(kind, () =>
          t.network.bridge(rest.slice(0, half), rest.slice(half), bridgeNode),
        );
      }
      case 'ring':
        if (ids.length < 4) return false;
        return this.networkFault(kind, () => t.network.ring(rng.shuffle(ids)));
      case 'lossyLinks': {
        const links: [NodeId, NodeId][] = [];
        for (const a of ids) for (const b of ids) if (a !== b && rng.chance(0.4)) links.push([a, b]);
        const profile = {
          loss: 0.05 + rng.float() * 0.35,
          duplicate: rng.float() * 0.2,
          reorder: 0.05 + rng.float() * 0.3,
          baseLatencyUs: 300 + rng.float() * 5_000,
          jitterUs: 700 + rng.float() * 10_000,
        };
        return this.networkFault(kind, () => {
          for (const [a, b] of links) t.network.degradeLink(a, b, profile);
        });
      }
      case 'crash':
        return this.crash(kind, this.pickDownable(null), this.duration());
      case 'crashLeader':
        return this.crash(kind, leader !== null && this.canTakeDown(leader) ? leader : null, this.duration());
      case 'crashRestartFast':
        return this.crash(kind, this.pickDownable(leader), rng.int(50, 5_000));
      case 'crashOnSync': {
        const id = this.pickDownable(leader);
        if (id === null) return false;
        const point = rng.chance(0.5) ? 'beforeSync' : 'afterVoteSent';
        // A vote lost to a crash only matters if the node is back before the rival candidate asks.
        const restartAfter =
          point === 'afterVoteSent' || rng.chance(0.5) ? rng.int(50, 3_000) : rng.int(1, 3) * t.tickUs;
        t.armCrash(id, point, restartAfter);
        t.log(`nemesis arm-crash ${id} ${point} restart+${restartAfter}us`);
        return true;
      }
      case 'crashAll':
        return this.scenarios.powerFailure();
      case 'leaderKiller':
        return this.scenarios.leaderKiller();
      case 'restartVoters':
        return this.scenarios.restartVoters(leader);
      case 'figure8':
        return this.scenarios.figure8(leader);
      case 'duel':
        return this.scenarios.duel(leader);
      case 'cutLeaderLink':
        return this.scenarios.whenWritesPause(
          () => this.scenarios.cutLeaderLink(t.leader()),
          40 * this.opts.electionTicks * t.tickUs,
        );
      case 'pause': {
        const id = this.pickDownable(leader);
        if (id === null) return false;
        const queue = rng.chance(0.5);
        const gen = this.bumpNodeFault(id);
        t.pause(id, queue);
        t.log(`nemesis pause ${id} ${queue ? 'queueing' : 'dropping'}`);
        t.at(t.now + this.duration(), () => {
          if (this.nodeFaultGeneration.get(id) === gen && t.isPaused(id)) t.resume(id);
        });
        return true;
      }
      case 'clockSkew': {
        const id = leader !== null && rng.chance(0.5) ? leader : rng.pick(ids);
        const [lo, hi] = this.opts.clockRateRange;
        const rate = lo + rng.float() * (hi - lo);
        t.setClockRate(id, rate);
        t.log(`nemesis clock ${id} x${rate.toFixed(3)}`);
        t.at(t.now + this.duration(), () => t.setClockRate(id, 1));
        return true;
      }
      case 'transferLeadership': {
        if (leader === null) return false;
        const voters = t.voters().filter((id) => id !== leader);
        if (voters.length === 0) return false;
        const to = rng.pick(voters);
        t.log(`nemesis transfer ${leader} -> ${to}`);
        t.transferLeadership(leader, to);
        return true;
      }
      case 'snapshotNow':
        return this.compaction.snapshotNow();
      case 'laggard':
        return this.compaction.laggard(leader);
      case 'crashDuringSnapshot':
        return this.compaction.crashDuringSnapshot(leader);
      case 'overlappingChanges':
        return overlappingChanges(this, leader);
    }
  }

  /** The leader plus enough random followers for a minority, and the majority of the rest. */
  splitAround(leader: NodeId): { minority: NodeId[]; majority: NodeId[] } {
    const ids = this.target.nodeIds();
    const others = this.rng.shuffle(ids.filter((id) => id !== leader));
    const minoritySize = Math.ceil(ids.length / 2) - 1;
    return {
      minority: [leader, ...others.slice(0, minoritySize - 1)],
      majority: others.slice(Math.max(0, minoritySize - 1)),
    };
  }

  /**
   * Applies a network fault. It is healed after `healAfter` (default: a random
   * duration) unless a newer network fault replaced it first; null: the caller heals.
   */
  networkFault(kind: string, apply: () => void, healAfter: number | null = this.duration()): boolean {
    const t = this.target;
    const gen = ++this.networkGeneration;
    apply();
    t.log(`nemesis ${kind}: ${t.network.describe()}`);
    if (healAfter !== null) t.at(t.now + healAfter, () => this.healNetwork(gen));
    return true;
  }

  /** Heals the network if no fault newer than `gen` was applied since (any when gen is null). */
  healNetwork(gen: number | null = null): void {
    if (this.isHealed || (gen !== null && this.networkGeneration !== gen)) return;
    this.networkGeneration++;
    this.target.network.heal();
    this.target.log('nemesis heal network');
  }

  get currentNetworkGeneration(): number {
    return this.networkGeneration;
  }

  /** Crashes `id` (if given) and restarts it after `downFor`, unless another fault took it over. */
  crash(kind: string, id: NodeId | null, downFor: number): boolean {
    if (id === null) return false;
    const t = this.target;
    const gen = this.bumpNodeFault(id);
    t.log(`nemesis ${kind} ${id} for ${downFor}us`);
    t.crash(id);
    t.at(t.now + downFor, () => {
      if (this.nodeFaultGeneration.get(id) === gen && !t.isUp(id)) t.restart(id);
    });
    return true;
  }

  bumpNodeFault(id: NodeId): number {
    const gen = (this.nodeFaultGeneration.get(id) ?? 0) + 1;
    this.nodeFaultGeneration.set(id, gen);
    return gen;
  }

  nodeFaultGenerationOf(id: NodeId): number {
    return this.nodeFaultGeneration.get(id) ?? 0;
  }

  /** Node faults keep a majority of the voters up and running (non-voters may always go down). */
  canTakeDown(id: NodeId): boolean {
    const t = this.target;
    if (!t.isUp(id) || t.isPaused(id)) return false;
    const voters = t.voters();
    if (!voters.includes(id)) return true;
    const down = voters.filter((n) => !t.isUp(n) || t.isPaused(n)).length;
    return down + 1 <= Math.floor((voters.length - 1) / 2);
  }

  /** A random node that may go down; `prefer` (usually the leader) is chosen 40% of the time. */
  pickDownable(prefer: NodeId | null): NodeId | null {
    if (prefer !== null && this.canTakeDown(prefer) && this.rng.chance(0.4)) return prefer;
    const candidates = this.target.nodeIds().filter((id) => this.canTakeDown(id));
    return candidates.length === 0 ? null : this.rng.pick(candidates);
  }

  /** Ends every fault: the network, crashed and paused nodes, clocks, armed crashes and scenarios. */
  healAll(): void {
    const t = this.target;
    this.isHealed = true;
    this.reactions.clear();
    t.network.heal();
    t.disarmAll();
    for (const id of t.nodeIds()) {
      if (!t.isUp(id)) t.restart(id);
      else if (t.isPaused(id)) t.resume(id);
      t.setClockRate(id, 1);
    }
    t.log('nemesis heal all');
  }
}
