/**
 * Capped exponential backoff with jitter: the one retry pacing of the
 * runtime's client, net's reconnecting links and the admin client. Pure: the
 * random source is injected (a seeded one where a test or a simulation must
 * replay; Math.random where only spreading matters).
 *
 * delay(attempt) = base * (1 - jitter) + base * jitter * random(), with
 * base = min(maxMs, initialMs * 2^attempt): the fixed part keeps retries from
 * spinning, the random part keeps many clients (or peers that lost a link at
 * the same moment) from retrying in lockstep, and no delay exceeds the cap.
 */

export interface BackoffOptions {
  /** First retry delay. Default 50 ms. */
  readonly initialMs?: number;
  /** Cap. Default 2000 ms. */
  readonly maxMs?: number;
  /** Fraction of the delay randomised away, in [0, 1]. Default 0.5 ("equal jitter"). */
  readonly jitter?: number;
}

/** Exponents beyond this add nothing (2^30 times any sane initial delay is past any cap). */
const MAX_DOUBLINGS = 30;

/** The delay before retry `attempt` (0 = the first retry), in ms. */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
  jitter = 0.5,
): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, MAX_DOUBLINGS));
  return jitter === 0 ? base : base * (1 - jitter) + base * jitter * random();
}

/** A backoff that counts its own failures (a link redialling): `next()` after each, `reset()` on success. */
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
      throw new RangeError(
        `backoff needs 0 < initialMs <= maxMs and jitter in [0, 1] (got initialMs ${this.initialMs}, maxMs ${this.maxMs}, jitter ${this.jitter})`,
      );
    }
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    return backoffDelay(this.attempt++, this.initialMs, this.maxMs, this.random, this.jitter);
  }

  /** A connection succeeded: start again from the initial delay. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** Wait `ms` (at least 0). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
