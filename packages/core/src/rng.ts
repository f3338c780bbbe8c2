/**
 * Seeded pseudo-random numbers: the one generator of raftkit. Core draws its
 * election timeouts from it; the simulator (network, disk, nemesis, clients),
 * the runtime's router faults and the demo's workload use the same class, so
 * a seed means the same stream everywhere.
 *
 * One seed determines a whole run. Every concern draws from its own stream,
 * derived from the seed and a stream name (a node id, "network", ...), so
 * that adding a client or a fault does not shift the numbers another concern
 * sees. The generator is sfc32 (small, fast, passes PractRand to large sizes),
 * seeded through splitmix32 so that nearby seeds give unrelated streams. Only
 * 32-bit integer arithmetic: results are identical on every platform.
 */
export class SeededRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * @param seed any finite number (integers up to 2^53 keep all their bits)
   * @param stream the name of the concern drawing from this generator
   */
  constructor(seed: number, stream = '') {
    const s = Math.trunc(seed);
    const lo = s >>> 0;
    const hi = Math.floor(s / 0x1_0000_0000) >>> 0;
    const h = fnv1a32(stream);
    this.a = mix32(lo ^ mix32(h));
    this.b = mix32(hi ^ mix32(this.a));
    this.c = mix32(h ^ mix32(this.b));
    this.d = mix32(this.c ^ 0x5bd1e995);
    // Warm up so that weak seeds do not show.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A derived, independent generator for a sub-concern (e.g. one per node). */
  fork(stream: string): SeededRng {
    return new SeededRng(this.nextUint32() * 0x20_0000 + (this.nextUint32() >>> 11), stream);
  }

  /** Next value in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n) (0 when n <= 1). */
  nextInt(n: number): number {
    return n <= 1 ? 0 : Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`empty range [${lo}, ${hi}]`);
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.float() * items.length)];
  }

  /** Picks a key with probability proportional to its weight (weights >= 0, not all 0). */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const keys = Object.keys(weights) as K[];
    let total = 0;
    for (const k of keys) total += weights[k];
    if (!(total > 0)) throw new RangeError('weighted pick needs a positive weight');
    let r = this.float() * total;
    for (const k of keys) {
      r -= weights[k];
      if (r < 0) return k;
    }
    return keys[keys.length - 1];
  }

  /** Fisher-Yates shuffle into a new array. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }

  /** Exponentially distributed value with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }
}

/** FNV-1a over a string's UTF-16 code units: stream names to seeds. */
export function fnv1a32(s: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 step: a strong 32-bit mixer. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
