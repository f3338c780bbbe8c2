/**
 * The simulator must be able to fail: every deliberate bug of
 * `@raftkit/core/testing` is caught. Seeds of the default (mixed) profile are
 * pinned, and a bounded search with the nemesis scenario aimed at each bug
 * must find it within a few seeds.
 *
 * Pinned seeds follow the exact behaviour of core and simulator. When either
 * changes on purpose, find new ones with `pnpm sim --seeds 100 --inject-bug B`
 * (the failing seeds are listed) and update PINNED.
 */
import { describe, expect, it } from 'vitest';
import { type BugName, runSeed, type SimOptions, seedFailed } from '../src/index.js';

type Bug = Exclude<BugName, 'membership-no-current-term-commit' | 'ignore-incarnation' | 'ignore-clock-rate'>;

/** Seeds of `pnpm sim --inject-bug B` (mixed, 5 nodes, default ticks) that catch each bug. */
const PINNED: Record<Bug, readonly number[]> = {
  'no-prevote-stickiness': [27, 36],
  'commit-old-term': [1, 12],
  'double-vote': [2, 9],
  'reply-before-persist': [1, 2],
  'lease-without-checkquorum': [5, 10],
};

/** The nemesis scenario aimed at each bug. */
const TARGETED: Record<Bug, Omit<SimOptions, 'seed'>> = {
  'no-prevote-stickiness': { faultWeights: { cutLeaderLink: 1 }, leaseReads: 'on' },
  'commit-old-term': { faultWeights: { figure8: 1 } },
  'double-vote': { faultWeights: { duel: 1 } },
  'reply-before-persist': { faultWeights: { crashAll: 1 } },
  'lease-without-checkquorum': { faultWeights: { leaderMinority: 1, isolateLeader: 1 }, leaseReads: 'on' },
};

const SEARCH_BOUND = 15;

describe.each(Object.keys(PINNED) as Bug[])('injected bug %s', (bug) => {
  it('is caught on its pinned seeds, which pass without the bug', () => {
    for (const seed of PINNED[bug]) {
      const broken = runSeed({ seed, bugs: [bug] });
      expect(seedFailed(broken), `seed ${seed} with ${bug}`).toBe(true);
      const sound = runSeed({ seed });
      expect(sound.violations, `seed ${seed} without bugs`).toEqual([]);
      expect(sound.verdict).toBe('linearizable');
    }
  });

  it(`is found by its targeted scenario within ${SEARCH_BOUND} seeds`, () => {
    let found: number | null = null;
    for (let seed = 1; seed <= SEARCH_BOUND && found === null; seed++) {
      if (seedFailed(runSeed({ seed, bugs: [bug], ...TARGETED[bug] }))) found = seed;
    }
    expect(found, `${bug} not caught in seeds 1..${SEARCH_BOUND}`).not.toBeNull();
  });
});

describe('what a caught bug reports', () => {
  it('names the invariant, the time and the nodes', () => {
    const r = runSeed({ seed: PINNED['double-vote'][0], bugs: ['double-vote'] });
    const v = r.violations[0];
    expect(['electionSafety', 'logMatching', 'splitBrainMonitor']).toContain(v.invariant);
    expect(v.time).toBeGreaterThan(0);
    expect(v.nodes.length).toBeGreaterThan(0);
    expect(r.verdict).toBe('skipped'); // the run stopped at the breach
  });

  it('a non-linearizable history comes with the checker explanation', () => {
    const r = runSeed({ seed: PINNED['lease-without-checkquorum'][0], bugs: ['lease-without-checkquorum'] });
    expect(r.verdict).toBe('nonLinearizable');
    expect(r.nonLinearizableExplanation).toMatch(/NOT LINEARIZABLE/);
  });
});

/**
 * The drift profile: clocks far beyond the lease's bound for the whole run,
 * lease reads on. The clock-rate check keeps every lease read linearizable;
 * the injected bug 'ignore-clock-rate' lets leases overlap. Find new pinned
 * seeds with `pnpm sim --seeds 100 --profile drift --inject-bug ignore-clock-rate`.
 */
describe('injected bug ignore-clock-rate (drift profile)', () => {
  const PINNED_DRIFT = [12, 21] as const;

  it('is caught on its pinned seeds, which pass without the bug', () => {
    for (const seed of PINNED_DRIFT) {
      const broken = runSeed({ seed, profile: 'drift', bugs: ['ignore-clock-rate'] });
      expect(seedFailed(broken), `seed ${seed} with the bug`).toBe(true);
      const sound = runSeed({ seed, profile: 'drift' });
      expect(sound.violations, `seed ${seed}`).toEqual([]);
      expect(sound.verdict, `seed ${seed}`).toBe('linearizable');
    }
  });
});
