/** Hashing helpers: cheap, deterministic, 32-bit. Models with object states can use them for `hash`. */

/** FNV-1a over UTF-16 code units, finished with a murmur3-style avalanche. */
export function hashString(s: string): number {
  let h = 0x811c_9dc5;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x0100_0193);
  }
  return finalizeHash(h ^ s.length);
}

/** murmur3's fmix32: spreads every input bit over the output (a bijection on 32-bit ints). */
export function finalizeHash(h: number): number {
  let x = h | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85eb_ca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2_ae35);
  x ^= x >>> 16;
  return x | 0;
}

/**
 * Zobrist keys: one random 32-bit word per operation, so the hash of a set of linearized
 * operations is the XOR of its members' keys and changes in O(1) when one bit flips.
 * Seeded (splitmix32) so results and timings are reproducible.
 */
export function zobristKeys(count: number, seed = 0x9e37_79b9): Int32Array {
  const keys = new Int32Array(count);
  let s = seed | 0;
  for (let i = 0; i < count; i++) {
    s = (s + 0x9e37_79b9) | 0;
    keys[i] = finalizeHash(s);
  }
  return keys;
}
