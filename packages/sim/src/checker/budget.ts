/**
 * A search budget shared by all partitions of one check: wall time and/or steps. When it
 * runs out the verdict is `unknown`, never a guess.
 */
export interface BudgetOptions {
  /** Wall-clock limit for the whole check, in milliseconds. */
  readonly budgetMs?: number;
  /** Limit on search steps (entries examined) for the whole check. Deterministic, unlike time. */
  readonly maxSteps?: number;
}

/** How often (in steps) the search looks at the clock: reading it every step would cost more than the step. */
export const CLOCK_CHECK_INTERVAL = 1024;

export class Budget {
  readonly deadline: number;
  readonly maxSteps: number;
  steps = 0;

  constructor(
    options: BudgetOptions = {},
    readonly startedAt = performance.now(),
  ) {
    const { budgetMs, maxSteps } = options;
    if (budgetMs !== undefined && !(budgetMs >= 0))
      throw new RangeError(`budgetMs must be >= 0, got ${budgetMs}`);
    if (maxSteps !== undefined && !(maxSteps >= 0))
      throw new RangeError(`maxSteps must be >= 0, got ${maxSteps}`);
    this.deadline = budgetMs === undefined ? Number.POSITIVE_INFINITY : startedAt + budgetMs;
    this.maxSteps = maxSteps ?? Number.POSITIVE_INFINITY;
  }

  /** Steps still available. */
  get stepsLeft(): number {
    return this.maxSteps - this.steps;
  }

  timeIsUp(): boolean {
    return this.deadline !== Number.POSITIVE_INFINITY && performance.now() >= this.deadline;
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }
}
