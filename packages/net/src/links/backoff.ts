/**
 * Capped exponential backoff with jitter for reconnects. Pure: the random
 * source is injected (tests pass a fixed one).
 *
 * delay(attempt) = min(maxMs, initialMs * 2^attempt), then a random fraction
 * of up to `jitter` of it is removed ("equal jitter" style), so peers that
 * lost a link at the same moment do not redial in lockstep, and a delay never
 * exceeds the cap.
 */
export interface BackoffOptions {
  /** First retry delay. Default 50 ms. */
  readonly initialMs?: number;
  /** Cap. Default 2000 ms. */
  readonly maxMs?: number;
  /** Fraction of the delay randomised away, in [0, 1]. Default 0.5. */
  readonly jitter?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly jitter: number;
  private attempt = 0;

  constructor(
    options: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialMs = options.initialMs ?? 50;
    this.maxMs = options.maxMs ?? 2000;
    this.jitter = options.jitter ?? 0.5;
    if (!(this.initialMs > 0 && this.maxMs >= this.initialMs && this.jitter >= 0 && this.jitter <= 1)) {
      throw new RangeError('backoff needs 0 < initialMs <= maxMs and jitter in [0, 1]');
    }
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return base * (1 - this.jitter * this.random());
  }

  /** A connection succeeded: start again from the initial delay. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
