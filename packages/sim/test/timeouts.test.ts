/**
 * Issue 9 in the simulator: adaptive election timeouts never break safety
 * (lease reads included), and on a jittery network they trade spurious
 * elections against failover time better than either fixed bound.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runSeed } from '../src/index.js';
import { formatComparison, summarizeVariant, TIMEOUT_VARIANTS, type VariantReport } from '../src/jitter.js';

describe('adaptive timeouts', () => {
  it('mixed-profile seeds (with and without lease reads) break no invariant and stay linearizable', () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const r = runSeed({ seed, raft: { timeouts: 'adaptive' }, leaseReads: seed % 2 === 0 ? 'on' : 'seed' });
      expect(r.config.raft.timeouts).toBe('adaptive');
      if (r.violations.length > 0 || r.verdict !== 'linearizable') {
        failures.push(`seed ${seed}: ${r.verdict} ${JSON.stringify(r.violations[0] ?? null)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('the clock profile with lease reads on stays safe too', () => {
    for (const seed of [1, 2, 3]) {
      const r = runSeed({ seed, profile: 'clock', raft: { timeouts: 'adaptive' }, leaseReads: 'on' });
      expect(r.violations).toEqual([]);
      expect(r.verdict).toBe('linearizable');
    }
  });
});

describe('jitter profile: fixed versus adaptive timeouts', () => {
  const SEEDS = [1, 2, 3, 4, 5, 6];
  let reports: VariantReport[] = [];
  beforeAll(() => {
    reports = TIMEOUT_VARIANTS.map((v) =>
      summarizeVariant(
        v,
        SEEDS.map((seed) => runSeed({ seed, profile: 'jitter', ...v.options })),
      ),
    );
  });
  const by = (name: string) => {
    const r = reports.find((x) => x.variant === name);
    if (r === undefined) throw new Error(`no variant ${name}`);
    return r;
  };

  it('every variant stays safe and recovers from every leader crash', () => {
    for (const r of reports) {
      expect(r.violations + r.nonLinearizable, r.variant).toBe(0);
      expect(r.failovers, r.variant).toBeGreaterThanOrEqual(SEEDS.length * 2);
      expect(r.failoversUnfinished, r.variant).toBe(0);
      expect(r.failoverMean ?? 0).toBeGreaterThan(0);
    }
  });

  it('adaptive: fewer spurious elections than fixed-short, faster failover than fixed-long', () => {
    const short = by('fixed-short');
    const long = by('fixed-long');
    const adaptive = by('adaptive');
    expect(adaptive.spuriousElections).toBeLessThan(short.spuriousElections);
    expect(adaptive.failoverMean ?? Number.POSITIVE_INFINITY).toBeLessThan(long.failoverMean ?? 0);
    expect(formatComparison(reports)).toMatch(/fixed-short[\s\S]*fixed-long[\s\S]*adaptive/);
  });
});
