/**
 * Runs many seeds on a Piscina pool of worker threads (one per core by
 * default). Workers load the task module from dist/, so build first.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { SimOptions } from './options.js';
import type { SeedResult } from './summary.js';

export interface PoolRunOptions {
  /** Seeds to run (each with `base` options). */
  readonly seeds: readonly number[];
  readonly base: Omit<SimOptions, 'seed'>;
  /** Worker threads; default: one per core. */
  readonly threads?: number;
  /** Called as each seed finishes (in completion order). */
  readonly onResult?: (r: SeedResult) => void;
}

/** The worker module, always from dist/ (this resolves the same from src/ and from dist/). */
export const WORKER_URL = new URL('../dist/worker.js', import.meta.url);

export async function runSeedsOnPool(opts: PoolRunOptions): Promise<SeedResult[]> {
  const threads = Math.max(1, opts.threads ?? availableParallelism());
  const pool = new Piscina<SimOptions, SeedResult>({
    filename: WORKER_URL.href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1_000,
  });
  try {
    const results = await Promise.all(
      opts.seeds.map(async (seed) => {
        const r = await pool.run({ ...opts.base, seed });
        opts.onResult?.(r);
        return r;
      }),
    );
    return results.sort((a, b) => a.seed - b.seed);
  } finally {
    await pool.destroy();
  }
}
