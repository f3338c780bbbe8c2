/**
 * Pure-JS, deterministic hashing for incremental state hashes (no node:crypto,
 * no BigInt). Not cryptographic: it detects corruption and divergence between
 * replicas, it does not resist an adversary who crafts collisions.
 *
 * Building blocks:
 *  - StringHash: two 32-bit polynomial hashes of a string's UTF-16 code units
 *    (h = sum c[i] * B^(n-1-i) mod 2^32, with two odd bases). Polynomial hashes
 *    compose, so appending to a value costs O(suffix), not O(value). With odd
 *    bases B = 3 (mod 4), any single-code-unit change, and any swap of two
 *    adjacent code units, always changes both lanes.
 *  - Mix64: murmur3-style word mixing into two independent 32-bit lanes and a
 *    final avalanche, used to turn fields into one well-spread item hash.
 *  - MultisetHash: the order-independent sum (mod 2^32 per lane) of item
 *    hashes, updated O(1) on add/remove: equal sets give equal digests
 *    regardless of the order they were built in.
 */

const BASE_A = 0x27d4eb2f;
const BASE_B = 0x85ebca6b;

/** Length and two polynomial lanes of a string. */
export interface StringHash {
  readonly length: number;
  readonly a: number;
  readonly b: number;
}

export const EMPTY_STRING_HASH: StringHash = Object.freeze({ length: 0, a: 0, b: 0 });

export function hashString(s: string): StringHash {
  let a = 0;
  let b = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = (Math.imul(a, BASE_A) + c) | 0;
    b = (Math.imul(b, BASE_B) + c) | 0;
  }
  return { length: s.length, a, b };
}

/** Hash of `x + y` from the hashes of `x` and `y`: O(log |y|). */
export function concatHash(x: StringHash, y: StringHash): StringHash {
  return {
    length: x.length + y.length,
    a: (Math.imul(x.a, powMod32(BASE_A, y.length)) + y.a) | 0,
    b: (Math.imul(x.b, powMod32(BASE_B, y.length)) + y.b) | 0,
  };
}

/** base^exp mod 2^32 by squaring (exp is a non-negative safe integer). */
function powMod32(base: number, exp: number): number {
  let result = 1;
  let b = base | 0;
  let e = exp;
  while (e > 0) {
    if (e % 2 === 1) result = Math.imul(result, b);
    b = Math.imul(b, b);
    e = Math.floor(e / 2);
  }
  return result;
}

function mixWord(h: number, word: number): number {
  let k = Math.imul(word | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let x = h ^ k;
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}

function avalanche(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Accumulates words into a 64-bit (two-lane) hash. */
export class Mix64 {
  private a: number;
  private b: number;
  constructor(domain: number) {
    this.a = mixWord(0x9747b28c, domain);
    this.b = mixWord(0x3c6ef372, ~domain);
  }
  /** A 32-bit word (or any number's low 32 bits). */
  word(w: number): this {
    this.a = mixWord(this.a, w);
    this.b = mixWord(this.b, w ^ 0x5bd1e995);
    return this;
  }
  /** A non-negative safe integer, both halves. */
  uint(n: number): this {
    return this.word(n % 0x100000000).word(Math.floor(n / 0x100000000));
  }
  /** A string by its hash (length and both polynomial lanes, one per mix lane). */
  string(h: StringHash): this {
    this.word(h.length);
    this.a = mixWord(this.a, h.a);
    this.b = mixWord(this.b, h.b);
    return this;
  }
  get lo(): number {
    return avalanche(this.a);
  }
  get hi(): number {
    return avalanche(this.b);
  }
}

/** Order-independent hash of a multiset of items, each given as two 32-bit lanes. */
export class MultisetHash {
  private sumLo = 0;
  private sumHi = 0;
  private count = 0;

  add(lo: number, hi: number): void {
    this.sumLo = (this.sumLo + lo) | 0;
    this.sumHi = (this.sumHi + hi) | 0;
    this.count++;
  }

  remove(lo: number, hi: number): void {
    this.sumLo = (this.sumLo - lo) | 0;
    this.sumHi = (this.sumHi - hi) | 0;
    this.count--;
  }

  reset(): void {
    this.sumLo = 0;
    this.sumHi = 0;
    this.count = 0;
  }

  /** 16 lowercase hex digits. */
  digest(): string {
    const m = new Mix64(0x6d756c74).word(this.sumLo).word(this.sumHi).uint(this.count);
    return hex32(m.hi) + hex32(m.lo);
  }
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
