/**
 * Seeded pseudo-random numbers (mulberry32). The only source of randomness in
 * @raftkit/core: same seed, same sequence, on every platform.
 */
export class SeededRng {
  private state: number;

  /** `salt` (e.g. the node id) lets peers sharing one seed still draw different timeouts. */
  constructor(seed: number, salt = '') {
    this.state = foldSeed(seed, salt);
  }

  /** Next value in [0, 2^32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Next integer in [0, n). */
  nextInt(n: number): number {
    if (n <= 1) return 0;
    return this.nextUint32() % n;
  }
}

/** FNV-1a over the seed's two 32-bit halves and the salt's UTF-16 code units. */
function foldSeed(seed: number, salt: string): number {
  const s = Math.trunc(seed);
  const lo = s >>> 0;
  const hi = Math.floor(s / 4294967296) >>> 0;
  let h = 0x811c9dc5;
  const mix = (byte: number) => {
    h ^= byte & 0xff;
    h = Math.imul(h, 0x01000193);
  };
  for (let i = 0; i < 4; i++) mix(lo >>> (8 * i));
  for (let i = 0; i < 4; i++) mix(hi >>> (8 * i));
  for (let i = 0; i < salt.length; i++) {
    const c = salt.charCodeAt(i);
    mix(c);
    mix(c >>> 8);
  }
  return h >>> 0;
}
