// Small statistics and formatting helpers shared by the rows.

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN when empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50/p99/p999/max/mean of a list of samples (not modified). */
export function summarize(samples) {
  const s = Float64Array.from(samples).sort();
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN;
  return {
    n: s.length,
    mean,
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    p999: percentile(s, 99.9),
    max: s.length ? s[s.length - 1] : Number.NaN,
  };
}

/**
 * A reservoir of latency samples with a fixed memory bound: long runs keep
 * every sample up to `cap`, then a uniform random subset of that size.
 */
export class Samples {
  constructor(cap = 200_000) {
    this.cap = cap;
    this.values = [];
    this.seen = 0;
  }
  push(v) {
    this.seen++;
    if (this.values.length < this.cap) this.values.push(v);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.cap) this.values[j] = v;
    }
  }
  summary() {
    return summarize(this.values);
  }
}

/** 12345.6 -> "12.3k", 1234567 -> "1.23M". */
export function fmtCount(n) {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(a >= 1e5 ? 0 : 1)}k`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(2)}k`;
  return a >= 100 ? n.toFixed(0) : a >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** Milliseconds with a unit that fits: µs below 1 ms. */
export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : ms < 0.1 ? 1 : 0)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A ratio as "0.42x". */
export function fmtRatio(r) {
  if (!Number.isFinite(r)) return 'n/a';
  if (r >= 100) return `${r.toFixed(0)}x`;
  if (r >= 10) return `${r.toFixed(1)}x`;
  return r >= 0.01 || r === 0 ? `${r.toFixed(2)}x` : `${r.toPrecision(2)}x`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs fn once per element, at most `limit` at a time. */
export async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}
