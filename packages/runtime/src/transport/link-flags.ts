import type { NodeId } from '@raftkit/core';

/** Cells in the flag table: 16 KiB, every directed link of a 64-node mesh. */
export const DEFAULT_LINK_FLAG_CELLS = 4096;

/**
 * The shared flag table of direct links: one Int32 cell per directed link
 * (from -> to) in a SharedArrayBuffer that every actor of this process holds.
 * Only the main thread writes it (Atomics.store); a sending actor reads its
 * cell with Atomics.load right before each post, so a fault takes effect
 * without a message round. A cell holds the generation of the channel that
 * may carry the link now, 0 when the link must go through the router: a
 * sender still holding an older channel's port sees a mismatch and uses the
 * router too.
 */
export class LinkFlagTable {
  readonly cells: Int32Array;
  private readonly slots = new Map<string, number>();

  constructor(capacity = DEFAULT_LINK_FLAG_CELLS) {
    this.cells = new Int32Array(new SharedArrayBuffer(capacity * Int32Array.BYTES_PER_ELEMENT));
  }

  /**
   * The cell of the directed link from -> to (allocated on first use and kept
   * for later channels of the same link), or null when the table is full: that
   * link then never goes direct.
   */
  slotOf(from: NodeId, to: NodeId): number | null {
    const key = `${from}\u0000${to}`;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.slots.size >= this.cells.length) return null;
      slot = this.slots.size;
      this.slots.set(key, slot);
    }
    return slot;
  }

  set(slot: number, value: number): void {
    Atomics.store(this.cells, slot, value);
  }

  get(slot: number): number {
    return Atomics.load(this.cells, slot);
  }
}
