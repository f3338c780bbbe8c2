import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { HistoryFormat } from './formats.js';
import type { HistoryCheckOutcome, HistoryCheckTask } from './pool-task.js';

export interface ParallelCheckOptions {
  /** Worker threads; default: one per core. */
  readonly threads?: number;
  /** Default: detected per file. */
  readonly format?: HistoryFormat;
  /** Per history. */
  readonly budgetMs?: number;
  /** Per history. */
  readonly maxSteps?: number;
}

// Resolves to packages/sim/dist/checker/pool-task.js from both src/checker (tests) and
// dist/checker: pool workers must load built JavaScript.
const TASK_MODULE = new URL('../../dist/checker/pool-task.js', import.meta.url);

/** Checks many history files on a Piscina pool; results come back in the order of `paths`. */
export function checkFilesParallel(
  paths: readonly string[],
  options: ParallelCheckOptions = {},
): Promise<HistoryCheckOutcome[]> {
  return runOnPool(
    paths.map((path) => ({ path, ...limits(options) })),
    options,
  );
}

/** Checks many in-memory histories on a Piscina pool; results come back in input order. */
export function checkTextsParallel(
  histories: readonly { readonly label: string; readonly text: string }[],
  options: ParallelCheckOptions = {},
): Promise<HistoryCheckOutcome[]> {
  return runOnPool(
    histories.map(({ label, text }) => ({ label, text, ...limits(options) })),
    options,
  );
}

function limits(options: ParallelCheckOptions) {
  return { format: options.format, budgetMs: options.budgetMs, maxSteps: options.maxSteps };
}

async function runOnPool(
  tasks: HistoryCheckTask[],
  options: ParallelCheckOptions,
): Promise<HistoryCheckOutcome[]> {
  if (tasks.length === 0) return [];
  const taskFile = fileURLToPath(TASK_MODULE);
  if (!existsSync(taskFile)) {
    throw new Error(
      `checker pool task ${taskFile} is missing: build @raftkit/sim first (pnpm exec tsc -b packages/sim)`,
    );
  }
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), tasks.length));
  const pool = new Piscina<HistoryCheckTask, HistoryCheckOutcome>({
    filename: TASK_MODULE.href,
    minThreads: threads,
    maxThreads: threads,
  });
  try {
    return await Promise.all(tasks.map((task) => pool.run(task)));
  } finally {
    await pool.destroy();
  }
}
