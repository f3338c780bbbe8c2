/**
 * The membership profile: nodes join as learners, are promoted, removed
 * (the leader too, and nodes that are cut off and keep campaigning), wiped and
 * re-added, during partitions and crashes; and the injected bug
 * 'membership-no-current-term-commit' (a leader accepts a change before it
 * committed an entry of its term) is caught.
 *
 * Pinned seeds follow the exact behaviour of core and simulator. When either
 * changes on purpose, find new ones with
 * `pnpm sim --seeds 100 --profile membership --inject-bug membership-no-current-term-commit`.
 */
import { describe, expect, it } from 'vitest';
import { runSeed, type SeedResult, Simulation, seedFailed } from '../src/index.js';

const BUG = 'membership-no-current-term-commit' as const;
/** Seeds of `pnpm sim --profile membership --inject-bug membership-no-current-term-commit` that catch it. */
const PINNED = [17, 22] as const;
const SEARCH_BOUND = 10;

function expectSound(r: SeedResult): void {
  expect(r.violations, `seed ${r.seed}`).toEqual([]);
  expect(r.verdict, `seed ${r.seed}`).toBe('linearizable');
}

describe('membership profile', () => {
  it('changes membership a lot, under faults, without breaking an invariant', () => {
    const runs = [1, 2, 3, 4].map((seed) => runSeed({ seed, profile: 'membership' }));
    for (const r of runs) expectSound(r);
    const total = (k: string) => runs.reduce((s, r) => s + (r.membership[k] ?? 0), 0);
    expect(total('addLearner:committed')).toBeGreaterThan(4);
    expect(total('promote:committed')).toBeGreaterThan(4);
    expect(total('remove:committed')).toBeGreaterThan(4);
    expect(total('rejoined')).toBeGreaterThan(0); // wiped machines joined again under their old id
    expect(total('removed:keepRunning')).toBeGreaterThan(0);
    expect(runs.reduce((s, r) => s + r.snapshots.installed, 0)).toBeGreaterThan(0); // joiners caught up by snapshot
    // The final configuration is not the initial one, and every member of it converged.
    expect(runs.some((r) => r.finalMembers.join(',') !== 'n1,n2,n3,n4,n5')).toBe(true);
  });

  it('the leader is removed, and removed nodes that keep running do not disrupt the cluster', () => {
    const sim = new Simulation({ seed: 2, profile: 'membership', trace: true });
    const r = sim.run();
    expectSound(r);
    const trace = r.trace ?? [];
    // A leader proposed its own removal, and stepped down once it committed.
    const selfRemoval = trace.find((l) => /membership: (n\d+) proposes remove \1$/.test(l));
    expect(selfRemoval).toBeDefined();
    expect(trace.some((l) => / leader -> follower term \d+ \(removed\)$/.test(l))).toBe(true);
    // A removed node kept running and campaigned (the membership invariant: only voters lead).
    expect(trace.some((l) => l.includes('(removed) campaigns'))).toBe(true);
    // Non-members that still run at the end are no leaders, and the members agree on one.
    const members = new Set(r.finalMembers);
    const strays = [...sim.nodes.values()].filter((n) => n.up && !members.has(n.id));
    expect(strays.length).toBeGreaterThan(0);
    for (const n of strays) expect(n.role).not.toBe('leader');
    expect(members.has(r.finalLeader ?? '')).toBe(true);
  });

  it('replays identically (membership changes are part of the seed)', () => {
    const a = runSeed({ seed: 2, profile: 'membership', ticks: 500 });
    const b = runSeed({ seed: 2, profile: 'membership', ticks: 500 });
    expect(b.digest).toBe(a.digest);
    expect(b.membership).toEqual(a.membership);
  });

  it('3- and 7-node clusters too', () => {
    expectSound(runSeed({ seed: 5, nodes: 3, profile: 'membership' }));
    expectSound(runSeed({ seed: 5, nodes: 7, profile: 'membership', ticks: 600 }));
  });
});

describe(`injected bug ${BUG}`, () => {
  it('is caught on its pinned seeds, which pass without the bug', () => {
    for (const seed of PINNED) {
      const broken = runSeed({ seed, profile: 'membership', bugs: [BUG] });
      expect(seedFailed(broken), `seed ${seed} with the bug`).toBe(true);
      expect([
        'leaderCompleteness',
        'stateMachineSafety',
        'electionSafety',
        'logMatching',
        'membershipSafety',
      ]).toContain(broken.violations[0]?.invariant);
      expect(broken.faults.overlappingChanges).toBeGreaterThan(0);
      expectSound(runSeed({ seed, profile: 'membership' }));
    }
  });

  it(`is found by the overlapping-changes scenario within ${SEARCH_BOUND} seeds, which is harmless without the bug`, () => {
    const targeted = { profile: 'membership' as const, faultWeights: { overlappingChanges: 1 } };
    let found: number | null = null;
    for (let seed = 1; seed <= SEARCH_BOUND && found === null; seed++) {
      if (seedFailed(runSeed({ seed, bugs: [BUG], ...targeted }))) found = seed;
    }
    expect(found, `not caught in seeds 1..${SEARCH_BOUND}`).not.toBeNull();
    const sound = runSeed({ seed: found ?? 1, ...targeted });
    expectSound(sound);
    expect(sound.faults.overlappingChanges).toBeGreaterThan(0);
  });
});

/**
 * Identity (core README): a member wiped in place (amnesia) or removed, wiped
 * and re-added comes back as a new incarnation, whose votes and
 * acknowledgements count only once the configuration names it. The injected
 * bug 'ignore-incarnation' counts them anyway. Pinned seeds follow the exact
 * behaviour; find new ones with
 * `pnpm sim --seeds 100 --profile membership --inject-bug ignore-incarnation`.
 */
describe('identity: a wiped node under its old id', () => {
  const IDENTITY_BUG = 'ignore-incarnation' as const;
  const IDENTITY_PINNED = [9, 79] as const;

  it('the membership profile wipes members in place and repairs them (remove, wipe, re-add)', () => {
    const runs = [1, 2, 3, 4, 5, 6].map((seed) => runSeed({ seed, profile: 'membership' }));
    for (const r of runs) expectSound(r);
    expect(runs.reduce((s, r) => s + (r.membership.amnesia ?? 0), 0)).toBeGreaterThan(0);
    expect(runs.reduce((s, r) => s + (r.membership.repaired ?? 0), 0)).toBeGreaterThan(0);
  });

  it(`the injected bug ${IDENTITY_BUG} is caught on its pinned seeds, which pass without it`, () => {
    for (const seed of IDENTITY_PINNED) {
      const broken = runSeed({ seed, profile: 'membership', bugs: [IDENTITY_BUG] });
      expect(seedFailed(broken), `seed ${seed} with the bug`).toBe(true);
      expect([
        'electionSafety',
        'leaderCompleteness',
        'commitQuorum',
        'logMatching',
        'stateMachineSafety',
      ]).toContain(broken.violations[0]?.invariant);
      expectSound(runSeed({ seed, profile: 'membership' }));
    }
  });

  it('the schedules the simulator found pass: two leaders in one term (seed 5108), no election ever again (seed 20553)', () => {
    expectSound(runSeed({ seed: 5108, nodes: 5, profile: 'membership' }));
    const r = runSeed({ seed: 20553, nodes: 3, profile: 'membership' });
    expectSound(r);
    expect(r.finalLeader).not.toBeNull();
  });
});
