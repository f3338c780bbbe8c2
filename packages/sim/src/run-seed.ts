import type { SimOptions } from './options.js';
import { Simulation } from './simulation.js';
import type { SeedResult } from './summary.js';

/** Runs one seed to completion in this thread. */
export function runSeed(options: SimOptions): SeedResult {
  return new Simulation(options).run();
}
