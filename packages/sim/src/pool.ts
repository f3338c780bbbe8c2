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
  const results: SeedResult[] = [];
  await runTasksOnPool(
    opts.seeds.map((seed) => ({ ...opts.base, seed })),
    opts.threads,
    (r) => {
      results.push(r);
      opts.onResult?.(r);
    },
  );
  return results.sort((a, b) => a.seed - b.seed);
}

/**
 * Runs any list of seed runs (each with its own options) on one pool, handing
 * each result to `onResult` as it finishes and keeping none: a sweep of tens
 * of thousands of runs stays flat in memory.
 */
export async function runTasksOnPool(
  tasks: readonly SimOptions[],
  threads: number | undefined,
  onResult: (r: SeedResult) => void,
): Promise<void> {
  const n = Math.max(1, threads ?? availableParallelism());
  const pool = new Piscina<SimOptions, SeedResult>({
    filename: WORKER_URL.href,
    minThreads: n,
    maxThreads: n,
    idleTimeout: 1_000,
  });
  try {
    // A bounded window of queued tasks, not tens of thousands of pending promises at once.
    let next = 0;
    const lane = async () => {
      while (next < tasks.length) {
        const task = tasks[next++];
        onResult(await pool.run(task));
      }
    };
    await Promise.all(Array.from({ length: n * 4 }, lane));
  } finally {
    await pool.destroy();
  }
}
