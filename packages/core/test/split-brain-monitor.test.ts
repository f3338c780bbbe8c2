import { type NodeObservation, type Role, type SplitBrainAlert, SplitBrainMonitor } from '@raftkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Extra = Partial<Omit<NodeObservation, 'node' | 'at'>>;

function obs(node: string, at: number, extra: Extra = {}): NodeObservation {
  return {
    node,
    at,
    role: 'follower',
    term: 1,
    leader: null,
    commitIndex: 0,
    appliedIndex: 0,
    stateHash: null,
    leaseUntil: null,
    ...extra,
  };
}
const leader = (node: string, at: number, term: number, extra: Extra = {}) =>
  obs(node, at, { role: 'leader', term, leader: node, ...extra });
const follower = (node: string, at: number, term: number, extra: Extra = {}) =>
  obs(node, at, { role: 'follower', term, ...extra });

function feed(m: SplitBrainMonitor, observations: NodeObservation[]): SplitBrainAlert[] {
  return observations.flatMap((o) => m.observe(o));
}

describe('normal operation raises nothing', () => {
  it('a leader change after the old leader stepped down produces no alert', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    const alerts = feed(m, [
      leader('n1', 0, 1, { commitIndex: 5 }),
      follower('n2', 0, 1, { commitIndex: 5 }),
      follower('n3', 0, 1, { commitIndex: 5 }),
      follower('n1', 100, 1, { commitIndex: 5 }), // CheckQuorum step-down
      obs('n2', 150, { role: 'candidate', term: 2, commitIndex: 5 }),
      leader('n2', 160, 2, { commitIndex: 6 }),
      follower('n3', 160, 2, { commitIndex: 6 }),
      follower('n1', 170, 2, { commitIndex: 6 }),
    ]);
    expect(alerts).toEqual([]);
    expect(m.alerts()).toEqual([]);
    expect(m.staleLeaderDurations().size).toBe(0);
  });

  it('a transfer seen in one poll (new leader first, old one stepped down at the same instant) is not stale', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    const alerts = feed(m, [
      leader('n1', 0, 1),
      follower('n2', 0, 1),
      leader('n2', 50, 2),
      follower('n1', 50, 2),
    ]);
    expect(alerts).toEqual([]);
    expect(m.staleLeaderDurations().get('n1') ?? 0).toBe(0);
  });
});

describe('twoLeaders', () => {
  it('reports two distinct leaders in one term once, as a safety violation naming both', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    m.observe(leader('n1', 0, 3));
    m.observe(leader('n1', 10, 3)); // same node again: fine
    const alerts = m.observe(leader('n2', 20, 3));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      kind: 'twoLeaders',
      severity: 'safety',
      nodes: ['n1', 'n2'],
      term: 3,
      at: 20,
    });
    expect(feed(m, [leader('n2', 30, 3), leader('n3', 40, 3), leader('n1', 50, 3)])).toEqual([]);
    expect(m.alerts()).toHaveLength(1);
  });

  it('reports each term separately, also when the second leader is observed much later', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    m.observe(leader('n1', 0, 1));
    m.observe(leader('n2', 10, 2));
    m.observe(leader('n3', 20, 3));
    const late = m.observe(leader('n3', 30, 1)); // n3 claims term 1 too, long after
    expect(late.filter((a) => a.kind === 'twoLeaders')).toEqual([
      expect.objectContaining({ nodes: ['n1', 'n3'], term: 1 }),
    ]);
  });

  it('leaders of different terms are not two leaders', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    const alerts = feed(m, [leader('n1', 0, 1), follower('n1', 5, 2), leader('n2', 5, 2)]);
    expect(alerts.filter((a) => a.kind === 'twoLeaders')).toEqual([]);
  });
});

describe('staleLeader', () => {
  it('measures how long a leader kept believing it led after a higher term appeared, reported at the end', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 1000 });
    expect(
      feed(m, [leader('n1', 0, 1), follower('n2', 0, 1), leader('n2', 100, 2), leader('n1', 150, 1)]),
    ).toEqual([]);
    expect(m.staleLeaderDurations().get('n1')).toBe(50); // running episode, as of the latest observation
    expect(m.staleLeaders()).toEqual([{ node: 'n1', term: 1, higherTerm: 2, since: 100, duration: 50 }]);
    const end = m.observe(follower('n1', 180, 2));
    expect(end).toEqual([
      expect.objectContaining({
        kind: 'staleLeader',
        severity: 'warning',
        nodes: ['n1'],
        term: 1,
        duration: 80,
        ongoing: false,
        at: 180,
      }),
    ]);
    expect(m.staleLeaderDurations().get('n1')).toBe(80);
    expect(m.staleLeaders()).toEqual([]);
  });

  it('a stale leader that steps down quickly gives a short duration', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    const alerts = feed(m, [leader('n1', 0, 1), leader('n2', 500, 2), follower('n1', 503, 2)]);
    expect(alerts).toEqual([expect.objectContaining({ kind: 'staleLeader', duration: 3 })]);
    expect(m.staleLeaderDurations().get('n1')).toBe(3);
  });

  it('raises once while ongoing when the episode outlasts the election timeout, then again when it ends', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    m.observe(leader('n1', 0, 1));
    m.observe(obs('n3', 10, { role: 'candidate', term: 2 })); // a higher term exists from t=10
    expect(m.observe(follower('n2', 110, 2))).toEqual([]); // exactly the timeout: not longer
    const ongoing = m.observe(follower('n2', 111, 2));
    expect(ongoing).toEqual([
      expect.objectContaining({ kind: 'staleLeader', nodes: ['n1'], duration: 101, ongoing: true, at: 111 }),
    ]);
    expect(m.observe(leader('n1', 200, 1))).toEqual([]); // no repeat while still stale
    expect(m.staleLeaderDurations().get('n1')).toBe(190);
    const ended = m.observe(follower('n1', 300, 2));
    expect(ended).toEqual([expect.objectContaining({ kind: 'staleLeader', duration: 290, ongoing: false })]);
  });

  it('counts from the first sighting when the higher term was already known', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 1000 });
    m.observe(follower('n2', 0, 5));
    m.observe(leader('n1', 500, 3)); // stale from the moment it is seen leading
    const alerts = m.observe(follower('n1', 520, 5));
    expect(alerts).toEqual([expect.objectContaining({ duration: 20, term: 3 })]);
  });

  it('ends when the host reports the node stopped, or when it restarts', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 1000 });
    feed(m, [leader('n1', 0, 1), leader('n2', 10, 2), leader('n3', 10, 1), follower('n4', 10, 3)]);
    expect(m.nodeStopped('n1', 40)).toEqual([expect.objectContaining({ nodes: ['n1'], duration: 30 })]);
    expect(m.observe(leader('n3', 50, 1, { restarted: true }))).toEqual([
      expect.objectContaining({ nodes: ['n3'], duration: 40 }),
      // ...and a restarted node that claims the old term again is stale anew (from now)
    ]);
    expect(m.staleLeaders().map((e) => [e.node, e.since])).toEqual([
      ['n2', 10],
      ['n3', 50],
    ]);
  });
});

describe('commitRegression', () => {
  it('reports a commit index that goes down without a restart', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    m.observe(follower('n1', 0, 1, { commitIndex: 10 }));
    const alerts = m.observe(follower('n1', 5, 1, { commitIndex: 8 }));
    expect(alerts).toEqual([
      expect.objectContaining({ kind: 'commitRegression', severity: 'safety', nodes: ['n1'], index: 8 }),
    ]);
    expect(m.observe(follower('n1', 6, 1, { commitIndex: 9 }))).toEqual([]);
  });

  it('accepts a lower commit index after a restart (flag or epoch change), but not within an epoch', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    m.observe(follower('n1', 0, 1, { commitIndex: 10, epoch: 1 }));
    expect(m.observe(follower('n1', 5, 1, { commitIndex: 4, restarted: true }))).toEqual([]);
    m.observe(follower('n1', 6, 1, { commitIndex: 12, epoch: 1 }));
    expect(m.observe(follower('n1', 7, 1, { commitIndex: 3, epoch: 2 }))).toEqual([]);
    expect(m.observe(follower('n1', 8, 1, { commitIndex: 2, epoch: 2 }))).toEqual([
      expect.objectContaining({ kind: 'commitRegression' }),
    ]);
  });

  it('tracks each node separately', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    const alerts = feed(m, [
      follower('n1', 0, 1, { commitIndex: 10 }),
      follower('n2', 0, 1, { commitIndex: 3 }),
      follower('n2', 1, 1, { commitIndex: 4 }),
    ]);
    expect(alerts).toEqual([]);
  });
});

describe('divergence', () => {
  const at = (node: string, t: number, appliedIndex: number, stateHash: string) =>
    follower(node, t, 1, { appliedIndex, stateHash });

  it('names the node and index when hashes differ at the same applied index', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    expect(feed(m, [at('n1', 0, 100, 'aaaa'), at('n2', 1, 100, 'aaaa')])).toEqual([]);
    const alerts = m.observe(at('n3', 2, 100, 'bbbb'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      kind: 'divergence',
      severity: 'safety',
      index: 100,
      nodes: ['n3', 'n1', 'n2'],
      hashes: { n1: 'aaaa', n2: 'aaaa', n3: 'bbbb' },
    });
    expect(alerts[0].message).toContain('n3');
    expect(alerts[0].message).toContain('100');
  });

  it('reports each distinct divergent hash at an index once', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    feed(m, [at('n1', 0, 7, 'x'), at('n2', 0, 7, 'y')]);
    expect(feed(m, [at('n2', 1, 7, 'y'), at('n3', 2, 7, 'y'), at('n1', 3, 7, 'x')])).toEqual([]);
    expect(m.observe(at('n4', 4, 7, 'z'))).toEqual([
      expect.objectContaining({ nodes: ['n4', 'n1', 'n2', 'n3'] }),
    ]);
    expect(m.alerts()).toHaveLength(2);
  });

  it('never compares different indices, and ignores observations without a hash', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    const alerts = feed(m, [
      at('n1', 0, 100, 'x'),
      at('n2', 0, 101, 'y'),
      follower('n3', 0, 1, { appliedIndex: 100, stateHash: null }),
    ]);
    expect(alerts).toEqual([]);
  });

  it('keeps a bounded window of indices (oldest forgotten first)', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100, maxTrackedIndices: 2 });
    feed(m, [at('n1', 0, 1, 'a'), at('n1', 1, 2, 'b'), at('n1', 2, 3, 'c')]);
    expect(m.observe(at('n2', 3, 1, 'DIFFERENT'))).toEqual([]); // index 1 was forgotten
    expect(m.observe(at('n2', 4, 3, 'DIFFERENT'))).toHaveLength(1); // index 3 is still known
  });
});

describe('overlappingLeases', () => {
  const leased = (node: string, t: number, term: number, until: number) =>
    leader(node, t, term, { leaseUntil: until });

  it('reports leases of two nodes in different terms whose intervals overlap', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 1000 });
    expect(feed(m, [leased('n1', 0, 1, 100), leased('n2', 150, 2, 250)])).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ kind: 'overlappingLeases' })]),
    );
    const alerts = m.observe(leased('n3', 240, 3, 400)).filter((a) => a.kind === 'overlappingLeases');
    expect(alerts).toEqual([
      expect.objectContaining({ severity: 'safety', nodes: ['n2', 'n3'], term: 3, duration: 10 }),
    ]);
    // the same pair is reported once
    expect(m.observe(leased('n3', 245, 3, 420)).filter((a) => a.kind === 'overlappingLeases')).toEqual([]);
  });

  it('a lease that ends exactly when the next begins does not overlap', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 1000 });
    const alerts = feed(m, [leased('n1', 0, 1, 100), follower('n1', 100, 2), leased('n2', 100, 2, 200)]);
    expect(alerts.filter((a) => a.kind === 'overlappingLeases')).toEqual([]);
  });

  it('a renewed lease extends the interval it is checked with', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 1000 });
    feed(m, [leased('n1', 0, 1, 100), leased('n1', 90, 1, 190)]);
    const alerts = m.observe(leased('n2', 150, 2, 300)).filter((a) => a.kind === 'overlappingLeases');
    expect(alerts).toEqual([expect.objectContaining({ nodes: ['n1', 'n2'], duration: 40 })]);
  });

  it('a lease given up early is cut at the observation that shows it gone', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 1000 });
    // n1 gives its lease up at t=30 (leadership transfer), n2 takes over with a lease from t=50.
    feed(m, [leased('n1', 0, 1, 100), leader('n1', 30, 1, { leaseUntil: null })]);
    expect(m.observe(leased('n2', 50, 2, 150)).filter((a) => a.kind === 'overlappingLeases')).toEqual([]);
    // A lease revised down while still leading shrinks to [200, 220)...
    feed(m, [leased('n3', 200, 3, 300), leased('n3', 210, 3, 220)]);
    expect(m.observe(leased('n4', 225, 4, 400)).filter((a) => a.kind === 'overlappingLeases')).toEqual([]);
    // ...but what it did cover still counts.
    expect(m.observe(leased('n5', 215, 5, 300)).filter((a) => a.kind === 'overlappingLeases')).toEqual([
      expect.objectContaining({ nodes: ['n3', 'n5'], duration: 5 }),
      expect.objectContaining({ nodes: ['n4', 'n5'], duration: 75 }),
    ]);
  });

  it('ignores expired leases and lease claims of non-leaders', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 1000 });
    const alerts = feed(m, [
      leased('n1', 0, 1, 0), // leaseUntil <= at: no lease
      follower('n3', 0, 1, { leaseUntil: 500 }), // a follower holds no lease
      leased('n2', 0, 2, 100),
    ]);
    expect(alerts.filter((a) => a.kind === 'overlappingLeases')).toEqual([]);
  });
});

describe('determinism and input checking', () => {
  const roles: Role[] = ['follower', 'preCandidate', 'candidate', 'leader'];
  const observation = fc.record({
    node: fc.constantFrom('n1', 'n2', 'n3'),
    dt: fc.nat({ max: 50 }),
    role: fc.constantFrom(...roles),
    term: fc.integer({ min: 1, max: 4 }),
    commitIndex: fc.nat({ max: 20 }),
    appliedIndex: fc.nat({ max: 5 }),
    stateHash: fc.option(fc.constantFrom('h1', 'h2'), { nil: null }),
    lease: fc.option(fc.nat({ max: 200 }), { nil: null }),
    restarted: fc.boolean(),
  });

  it('the same observations always give the same alerts, and never throw', () => {
    fc.assert(
      fc.property(fc.array(observation, { maxLength: 60 }), (steps) => {
        const run = () => {
          const m = new SplitBrainMonitor({ electionTimeout: 100 });
          let t = 0;
          for (const s of steps) {
            t += s.dt;
            m.observe(
              obs(s.node, t, {
                role: s.role,
                term: s.term,
                commitIndex: s.commitIndex,
                appliedIndex: s.appliedIndex,
                stateHash: s.stateHash,
                leaseUntil: s.lease === null ? null : t + s.lease,
                restarted: s.restarted,
              }),
            );
          }
          return { alerts: m.alerts(), durations: [...m.staleLeaderDurations()] };
        };
        const a = run();
        expect(run()).toEqual(a);
        for (const alert of a.alerts) {
          if (alert.kind === 'staleLeader') expect(alert.duration).toBeGreaterThan(0);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('rejects invalid observations and options with a RangeError', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100 });
    expect(() => m.observe(obs('', 0))).toThrow(RangeError);
    expect(() => m.observe(obs('n1', Number.NaN))).toThrow(RangeError);
    expect(() => m.observe(obs('n1', 0, { term: -1 }))).toThrow(RangeError);
    expect(() => m.observe(obs('n1', 0, { role: 'king' as Role }))).toThrow(RangeError);
    expect(() => m.observe(obs('n1', 0, { commitIndex: 1.5 }))).toThrow(RangeError);
    expect(() => new SplitBrainMonitor({ electionTimeout: 0 })).toThrow(RangeError);
    expect(m.alerts()).toEqual([]);
  });

  it('keeps at most maxAlerts alerts, dropping the oldest', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 100, maxAlerts: 2 });
    for (let term = 1; term <= 3; term++) feed(m, [leader('a', term, term), leader('b', term, term)]);
    expect(m.alerts().map((a) => a.term)).toEqual([2, 3]);
  });
});
