/**
 * Piscina task module: one task = one seed. Loaded by the pool from dist/,
 * so it must stay a plain module with a default export.
 */
import type { SimOptions } from './options.js';
import { runSeed } from './run-seed.js';
import type { SeedResult } from './summary.js';

export default function runSeedTask(options: SimOptions): SeedResult {
  // The trace can be large; it is only wanted for single-seed replays, which run in-thread.
  return runSeed({ ...options, trace: false });
}
