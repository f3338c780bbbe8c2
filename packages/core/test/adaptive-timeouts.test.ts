/**
 * timeouts: 'adaptive' — the election timeout follows the measured heartbeat
 * inter-arrival (followers) and round trips (leader), clamped, randomized in
 * [T, 2T). Liveness only: the lease uses minElectionTicks, the safety fuzz
 * keeps holding.
 */
import {
  ADAPT_MIN_SAMPLES,
  adaptiveElectionTicks,
  adaptiveHeartbeatTicks,
  ConfigError,
  leaseTicks,
  MemoryStorage,
  type NodeId,
  quorumGap,
  RaftNode,
  SeededRng,
  SplitBrainMonitor,
  TimeoutController,
  type TimeoutSettings,
} from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { Cluster } from './helpers/cluster.js';
import { DelayNetwork } from './helpers/delay-network.js';
import { runFuzz } from './helpers/fuzz.js';

const settings: TimeoutSettings = {
  timeouts: 'adaptive',
  electionTicks: 10,
  heartbeatTicks: 1,
  minElectionTicks: 4,
  maxElectionTicks: 30,
  adaptiveDeviationFactor: 4,
  maxClockDriftTicks: 1,
};

describe('the adaptive rule (pure functions)', () => {
  it('T = clamp(ceil(2 * gap), min, max); heartbeat follows T, within [1, min/2]; lease uses min', () => {
    expect(adaptiveElectionTicks(1, settings)).toBe(4);
    expect(adaptiveElectionTicks(6.2, settings)).toBe(13);
    expect(adaptiveElectionTicks(100, settings)).toBe(30);
    expect(adaptiveHeartbeatTicks(4, settings)).toBe(1);
    expect(adaptiveHeartbeatTicks(30, settings)).toBe(2);
    expect(leaseTicks(settings)).toBe(2); // min 4 - drift 1 - the follower's tick phase
    expect(leaseTicks({ ...settings, timeouts: 'fixed' })).toBe(8);
  });

  it('the leader uses the round-trip bound a majority of voters stays within', () => {
    expect(quorumGap(true, [5, 1])).toBe(1); // 3 voters: self (0) and the faster peer
    expect(quorumGap(true, [5, 1, 9, null])).toBe(5); // 5 voters: 0, 1, 5 | 9, unknown
    expect(quorumGap(true, [null, null])).toBe(Number.POSITIVE_INFINITY);
  });

  it('nothing adapts before a window holds enough samples; a new leader is generous meanwhile', () => {
    const t = new TimeoutController(settings);
    expect(
      t.onInterArrival({ count: ADAPT_MIN_SAMPLES - 1, mean: 1, deviation: 0, min: 1, max: 1, last: 1 }),
    ).toBe(false);
    expect(t.followerElectionTicks()).toBe(10);
    expect(
      t.onInterArrival({ count: ADAPT_MIN_SAMPLES, mean: 1, deviation: 0, min: 1, max: 1, last: 1 }),
    ).toBe(true);
    expect(t.followerElectionTicks()).toBe(4);
    t.onRoundTrips(true, [null, null]);
    expect(t.leaderElectionTicks()).toBe(30);
    t.onRoundTrips(true, [2, 1]);
    expect(t.leaderElectionTicks()).toBe(4);
    const fixed = new TimeoutController({ ...settings, timeouts: 'fixed' });
    fixed.onRoundTrips(true, [100, 100]);
    expect(fixed.onInterArrival({ count: 32, mean: 50, deviation: 9, min: 1, max: 99, last: 1 })).toBe(false);
    expect([fixed.leaderElectionTicks(), fixed.followerElectionTicks(), fixed.heartbeatTicks()]).toEqual([
      10, 10, 1,
    ]);
  });
});

describe('adaptive timeouts configuration', () => {
  const base = { id: 'a', peers: ['a', 'b', 'c'], seed: 1 };
  const make = (extra: Record<string, unknown>) =>
    new RaftNode({ ...base, storage: new MemoryStorage(), ...extra });

  it('defaults: fixed; adaptive bounds default to [ceil(E/2), 4E]', () => {
    expect(make({}).status().timeouts).toMatchObject({ mode: 'fixed', electionTicks: 10, leaseTicks: 8 });
    const st = make({ timeouts: 'adaptive' }).status().timeouts;
    expect(st).toMatchObject({ mode: 'adaptive', electionTicks: 10, leaseTicks: 3 });
  });

  it('refuses bounds that do not fit', () => {
    expect(() => make({ timeouts: 'sometimes' })).toThrow(ConfigError);
    expect(() => make({ timeouts: 'adaptive', minElectionTicks: 11 })).toThrow(ConfigError);
    expect(() => make({ timeouts: 'adaptive', maxElectionTicks: 9 })).toThrow(ConfigError);
    expect(() => make({ timeouts: 'adaptive', minElectionTicks: 2, heartbeatTicks: 2 })).toThrow(ConfigError);
    expect(() => make({ timeouts: 'adaptive', minElectionTicks: 3, maxClockDriftTicks: 3 })).toThrow(
      ConfigError,
    );
    expect(() => make({ timeouts: 'adaptive', adaptiveDeviationFactor: -1 })).toThrow(ConfigError);
  });
});

const ADAPTIVE = {
  timeouts: 'adaptive',
  electionTicks: 10,
  minElectionTicks: 4,
  maxElectionTicks: 30,
} as const;

function jitteryCluster(seed: number, config: Record<string, unknown>, ids: NodeId[] = ['a', 'b', 'c']) {
  const c = new Cluster(ids, { seed, config });
  const rng = new SeededRng(seed, 'test-schedule');
  let jitter = 0;
  const net = new DelayNetwork(c, () => (jitter === 0 ? 0 : rng.nextInt(jitter + 1)));
  return { c, net, setJitter: (j: number) => (jitter = j) };
}

const bases = (c: Cluster) => c.ids.map((id) => c.raft(id).status().timeouts);

describe('adaptive timeouts follow the network', () => {
  it('adapt up under jittery delivery, down when it is calm, clamped, the [T, 2T) spread kept', () => {
    const { c, net, setJitter } = jitteryCluster(3, ADAPTIVE);
    c.elect('a');
    net.ticks(100);
    // Calm: heartbeats every tick, answered at once -> T falls to the lower bound.
    for (const t of bases(c)) expect(t.electionTicks).toBe(4);
    setJitter(8);
    net.ticks(300);
    const jittery = bases(c);
    for (const t of jittery) expect(t.electionTicks).toBeGreaterThan(4);
    // Jitter beyond the calm 4-tick timeout may cost an election before the timeouts catch up.
    const leader = c.leader();
    expect(leader).toBeDefined();
    expect(leader?.node.status().timeouts.electionTicks).toBeGreaterThanOrEqual(20); // round trips up to 16 ticks
    for (const [i, t] of jittery.entries()) {
      expect(t.electionTicks).toBeLessThanOrEqual(30);
      if (c.ids[i] !== leader?.id) {
        expect(t.randomizedElectionTicks).toBeGreaterThanOrEqual(t.electionTicks);
        expect(t.randomizedElectionTicks).toBeLessThan(2 * t.electionTicks);
      }
    }
    setJitter(0);
    net.ticks(100);
    for (const t of bases(c)) expect(t.electionTicks).toBe(4);
    expect(c.leader()?.id).toBe(leader?.id); // calm: no election
  });

  it('never beyond maxElectionTicks however bad it gets', () => {
    const { c, net, setJitter } = jitteryCluster(4, { ...ADAPTIVE, maxElectionTicks: 12 });
    c.elect('a');
    setJitter(10);
    net.ticks(300);
    for (const t of bases(c)) expect(t.electionTicks).toBeLessThanOrEqual(12);
    expect(c.raft('a').status().timeouts.electionTicks).toBe(12);
  });

  it('fewer spurious elections than a fixed short timeout under jitter', () => {
    const elections = (config: Record<string, unknown>) => {
      let terms = 0;
      for (let seed = 1; seed <= 4; seed++) {
        const { c, net, setJitter } = jitteryCluster(seed, config);
        setJitter(12);
        net.tickUntil(() => c.leader() !== undefined);
        const t0 = Math.max(...c.ids.map((id) => c.n(id).term));
        net.ticks(600);
        terms += Math.max(...c.ids.map((id) => c.n(id).term)) - t0;
      }
      return terms;
    };
    const fixedShort = elections({ electionTicks: 5 });
    const adaptive = elections({
      timeouts: 'adaptive',
      electionTicks: 5,
      minElectionTicks: 3,
      maxElectionTicks: 40,
    });
    expect(fixedShort).toBeGreaterThan(8);
    expect(adaptive * 5).toBeLessThan(fixedShort);
  });

  it('faster failover than a fixed long timeout on a calm network', () => {
    const failover = (config: Record<string, unknown>) => {
      let total = 0;
      for (let seed = 1; seed <= 5; seed++) {
        const { c, net } = jitteryCluster(seed, config, ['a', 'b', 'c', 'd', 'e']);
        c.elect('a');
        net.ticks(60);
        c.crash('a');
        total += net.tickUntil(() => c.leader() !== undefined && c.leader()?.id !== 'a', 500);
      }
      return total / 5;
    };
    const fixedLong = failover({ electionTicks: 20 });
    const adaptive = failover({
      timeouts: 'adaptive',
      electionTicks: 20,
      minElectionTicks: 4,
      maxElectionTicks: 80,
    });
    expect(adaptive * 2).toBeLessThan(fixedLong);
  });
});

describe('adaptive timeouts never touch safety', () => {
  it('no overlapping leases and no two leaders in a term under jitter and partitions (5 nodes, lease reads)', () => {
    for (const seed of [1, 2, 3]) {
      const ids = ['a', 'b', 'c', 'd', 'e'];
      const { c, net, setJitter } = jitteryCluster(seed, { ...ADAPTIVE, readMode: 'lease' }, ids);
      const monitor = new SplitBrainMonitor({ electionTimeout: 30 });
      const rng = new SeededRng(seed * 7, 'test-schedule');
      let leases = 0;
      for (let t = 0; t < 1500; t++) {
        if (t % 100 === 0) setJitter(rng.nextInt(3) === 0 ? 0 : rng.nextInt(10));
        if (t % 150 === 75) {
          c.heal();
          const cut = 1 + rng.nextInt(4);
          const shuffled = ids
            .map((id) => ({ id, k: rng.nextInt(1000) }))
            .sort((x, y) => x.k - y.k)
            .map((x) => x.id);
          c.partition(shuffled.slice(0, cut), shuffled.slice(cut));
        }
        if (t % 150 === 140) c.heal();
        net.tick();
        for (const id of ids) {
          const st = c.raft(id).status();
          if (st.leaseUntilTick !== null && st.leaseUntilTick > st.tick) leases++;
          monitor.observe({
            node: id,
            at: net.now,
            role: st.role,
            term: st.term,
            leader: st.leader,
            commitIndex: st.commitIndex,
            appliedIndex: st.appliedIndex,
            stateHash: null,
            // All nodes tick in lockstep here: a node's tick is the monitor's clock.
            leaseUntil: st.leaseUntilTick === null ? null : net.now + (st.leaseUntilTick - st.tick),
          });
        }
      }
      expect(leases).toBeGreaterThan(100);
      const bad = monitor.alerts().filter((a) => a.severity === 'safety');
      expect(bad).toEqual([]);
    }
  });

  it('randomized schedules keep Raft safety with adaptive timeouts (3 and 5 nodes)', () => {
    let commits = 0;
    for (let seed = 500; seed < 520; seed++) {
      commits += runFuzz(seed, {
        nodes: 3,
        config: { timeouts: 'adaptive', readMode: 'lease' },
      }).committedOutcomes;
    }
    for (let seed = 600; seed < 610; seed++) {
      commits += runFuzz(seed, {
        nodes: 5,
        compaction: true,
        config: { timeouts: 'adaptive' },
      }).committedOutcomes;
    }
    expect(commits).toBeGreaterThan(0);
  });
});
