/**
 * Round-trip-time estimator over a sliding window of the last N samples.
 * Pure (no clock, no I/O): feed it samples, ask for statistics. The unit is
 * the caller's: ticks inside RaftNode, milliseconds in @raftkit/net (whose
 * `liveness/rtt-estimator.ts` this is the shared copy of; same API, same
 * behaviour, so net can import it from here).
 *
 * The mean is a trimmed mean (the highest and lowest `trimFraction` of the
 * window are ignored) so that one stalled probe or one lucky fast path does
 * not swing it; the deviation is the standard deviation of the same kept
 * samples. `bound(k)` = mean + k * deviation is the usual basis for an
 * adaptive timeout.
 */
export interface RttEstimatorOptions {
  /** Samples kept. Default 32. */
  readonly windowSize?: number;
  /** Fraction trimmed from each end before averaging, in [0, 0.5). Default 0.1. */
  readonly trimFraction?: number;
}

export interface RttStats {
  /** Samples in the window. */
  readonly count: number;
  /** Trimmed mean (caller's unit). */
  readonly mean: number;
  /** Standard deviation of the kept samples (caller's unit). */
  readonly deviation: number;
  readonly min: number;
  readonly max: number;
  /** The most recent sample. */
  readonly last: number;
}

export class RttEstimator {
  readonly windowSize: number;
  readonly trimFraction: number;
  private readonly samples: number[] = [];
  private next = 0;
  private lastSample = Number.NaN;
  private cached: RttStats | null = null;

  constructor(options: RttEstimatorOptions = {}) {
    this.windowSize = options.windowSize ?? 32;
    this.trimFraction = options.trimFraction ?? 0.1;
    if (!Number.isInteger(this.windowSize) || this.windowSize < 1) {
      throw new RangeError(`windowSize must be a positive integer (got ${this.windowSize})`);
    }
    if (!(this.trimFraction >= 0 && this.trimFraction < 0.5)) {
      throw new RangeError(`trimFraction must be in [0, 0.5) (got ${this.trimFraction})`);
    }
  }

  /** Add one sample. Negative or non-finite samples are ignored (returns false). */
  addSample(rtt: number): boolean {
    if (!Number.isFinite(rtt) || rtt < 0) return false;
    if (this.samples.length < this.windowSize) this.samples.push(rtt);
    else this.samples[this.next] = rtt;
    this.next = (this.next + 1) % this.windowSize;
    this.lastSample = rtt;
    this.cached = null;
    return true;
  }

  get count(): number {
    return this.samples.length;
  }

  /** Statistics of the window, or null before the first sample. */
  stats(): RttStats | null {
    if (this.samples.length === 0) return null;
    if (this.cached) return this.cached;
    const sorted = [...this.samples].sort((a, b) => a - b);
    let cut = Math.floor(sorted.length * this.trimFraction);
    if (sorted.length - 2 * cut < 1) cut = 0;
    const kept = sorted.slice(cut, sorted.length - cut);
    const mean = kept.reduce((s, x) => s + x, 0) / kept.length;
    const variance = kept.reduce((s, x) => s + (x - mean) ** 2, 0) / kept.length;
    this.cached = {
      count: sorted.length,
      mean,
      deviation: Math.sqrt(variance),
      min: sorted[0],
      max: sorted[sorted.length - 1],
      last: this.lastSample,
    };
    return this.cached;
  }

  /**
   * mean + k * deviation, clamped to [minMs, maxMs]; `fallbackMs` (clamped)
   * before any sample. The basis of adaptive timeouts. (The `Ms` names are
   * kept for API compatibility with @raftkit/net; the unit is the caller's.)
   */
  bound(k: number, clamp: { minMs: number; maxMs: number; fallbackMs?: number }): number {
    const s = this.stats();
    const raw = s ? s.mean + k * s.deviation : (clamp.fallbackMs ?? clamp.maxMs);
    return Math.min(clamp.maxMs, Math.max(clamp.minMs, raw));
  }

  reset(): void {
    this.samples.length = 0;
    this.next = 0;
    this.lastSample = Number.NaN;
    this.cached = null;
  }
}
