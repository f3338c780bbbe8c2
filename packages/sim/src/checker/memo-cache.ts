/**
 * The set of (linearized operations, model state) configurations the search has already
 * explored. Reaching a known configuration again cannot lead anywhere new, so the search
 * prunes it: this memoization is what makes WGL practical (Lowe's improvement, as in
 * Porcupine).
 *
 * Stored flat for speed: an open-addressing table of entry numbers, and per entry its
 * 32-bit hash, its state id (states are interned, see StateTable) and a copy of the bitset
 * (`wordsPerSet` words in one big Uint32Array).
 */
export class MemoCache {
  private slots: Int32Array; // entry number + 1; 0 = empty
  private slotMask: number;
  private hashes: Int32Array;
  private stateIds: Int32Array;
  private sets: Uint32Array;
  private count = 0;

  constructor(
    private readonly wordsPerSet: number,
    initialCapacity = 1024,
  ) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.slotMask = capacity - 1;
    this.hashes = new Int32Array(initialCapacity);
    this.stateIds = new Int32Array(initialCapacity);
    this.sets = new Uint32Array(initialCapacity * wordsPerSet);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Records the configuration (`bits` with bit `mask` of word `word` also set, `stateId`)
   * under `hash`. Returns false when it was already present.
   */
  addIfAbsent(hash: number, bits: Uint32Array, word: number, mask: number, stateId: number): boolean {
    const W = this.wordsPerSet;
    const slots = this.slots;
    const slotMask = this.slotMask;
    let slot = hash & slotMask;
    for (;;) {
      const e = slots[slot];
      if (e === 0) break;
      const entry = e - 1;
      if (this.hashes[entry] === hash && this.stateIds[entry] === stateId) {
        const sets = this.sets;
        const base = entry * W;
        let same = true;
        for (let i = 0; i < W; i++) {
          const w = i === word ? (bits[i] | mask) >>> 0 : bits[i];
          if (sets[base + i] !== w) {
            same = false;
            break;
          }
        }
        if (same) return false;
      }
      slot = (slot + 1) & slotMask;
    }
    this.insertAt(slot, hash, bits, word, mask, stateId);
    return true;
  }

  private insertAt(
    slot: number,
    hash: number,
    bits: Uint32Array,
    word: number,
    mask: number,
    stateId: number,
  ): void {
    const W = this.wordsPerSet;
    const entry = this.count;
    if (entry === this.hashes.length) this.growEntries();
    this.hashes[entry] = hash;
    this.stateIds[entry] = stateId;
    const base = entry * W;
    this.sets.set(bits, base);
    this.sets[base + word] = (bits[word] | mask) >>> 0;
    this.count = entry + 1;
    this.slots[slot] = entry + 1;
    if (this.count * 2 > this.slots.length) this.growSlots();
  }

  private growEntries(): void {
    const capacity = this.hashes.length * 2;
    const hashes = new Int32Array(capacity);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const stateIds = new Int32Array(capacity);
    stateIds.set(this.stateIds);
    this.stateIds = stateIds;
    const sets = new Uint32Array(capacity * this.wordsPerSet);
    sets.set(this.sets);
    this.sets = sets;
  }

  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const slotMask = slots.length - 1;
    for (let entry = 0; entry < this.count; entry++) {
      let slot = this.hashes[entry] & slotMask;
      while (slots[slot] !== 0) slot = (slot + 1) & slotMask;
      slots[slot] = entry + 1;
    }
    this.slots = slots;
    this.slotMask = slotMask;
  }
}
