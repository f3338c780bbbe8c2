import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runSeed, runSeedsOnPool, WORKER_URL } from '../src/index.js';

describe('Piscina pool (worker code from dist/)', () => {
  it('runs seeds on worker threads with the same results as in this thread', async () => {
    expect(
      existsSync(WORKER_URL),
      `missing ${WORKER_URL.pathname}: build first (pnpm exec tsc -b packages/sim)`,
    ).toBe(true);
    const seen: number[] = [];
    const results = await runSeedsOnPool({
      seeds: [1, 2, 3],
      base: { ticks: 300 },
      threads: 2,
      onResult: (r) => seen.push(r.seed),
    });
    expect(results.map((r) => r.seed)).toEqual([1, 2, 3]);
    expect(seen.sort()).toEqual([1, 2, 3]);
    for (const r of results) {
      expect(r.trace).toBeUndefined();
      expect(r.violations).toEqual([]);
      expect(r.digest).toBe(runSeed({ seed: r.seed, ticks: 300 }).digest);
    }
  });
});
