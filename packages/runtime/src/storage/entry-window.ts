import type { Entry } from '@raftkit/core';

/**
 * A contiguous run of log entries [start, start + length) kept in memory.
 * LmdbStorage keeps the recent tail here so the hot path never reads LMDB;
 * MemoryDurableStorage keeps its whole log here.
 */
export class EntryWindow {
  private items: Entry[] = [];
  /** Index of items[0]; meaningful only when non-empty. */
  private start = 1;
  private head = 0; // items before `head` are logically dropped (amortised front trimming)
  private bytes = 0;

  get length(): number {
    return this.items.length - this.head;
  }
  get firstIndex(): number {
    return this.start;
  }
  /** Last index held, or firstIndex - 1 when empty. */
  get lastIndex(): number {
    return this.start + this.length - 1;
  }
  get dataBytes(): number {
    return this.bytes;
  }
  has(index: number): boolean {
    return index >= this.start && index <= this.lastIndex;
  }
  get(index: number): Entry | undefined {
    if (!this.has(index)) return undefined;
    return this.items[this.head + index - this.start];
  }

  /** Reset to an empty window whose next entry will be `nextIndex`. */
  reset(nextIndex: number): void {
    this.items = [];
    this.head = 0;
    this.start = nextIndex;
    this.bytes = 0;
  }

  /**
   * Append entries that follow on (or overwrite a suffix of) the window.
   * entries[0].index must be in [firstIndex, lastIndex + 1] unless the window is empty.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0].index;
    if (this.length === 0) {
      this.reset(first);
    } else if (first < this.start || first > this.lastIndex + 1) {
      // Not contiguous with what we hold: restart the window at `first`.
      this.reset(first);
    } else if (first <= this.lastIndex) {
      this.truncateFrom(first);
    }
    for (const e of entries) {
      this.items.push(e);
      this.bytes += e.data.length;
    }
  }

  /** Drop entries with index >= `index`. */
  truncateFrom(index: number): void {
    if (index > this.lastIndex) return;
    if (index <= this.start) {
      this.reset(this.start);
      return;
    }
    const keep = this.head + index - this.start;
    for (let i = keep; i < this.items.length; i++) this.bytes -= this.items[i].data.length;
    this.items.length = keep;
  }

  /** Drop entries with index < `index` (front trimming, amortised O(1)). */
  trimBefore(index: number): void {
    if (index <= this.start) return;
    if (index > this.lastIndex) {
      this.reset(index);
      return;
    }
    const drop = index - this.start;
    for (let i = this.head; i < this.head + drop; i++) this.bytes -= this.items[i].data.length;
    this.head += drop;
    this.start = index;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Entries in [lo, hi) with at least one entry, then while total data bytes stay <= maxBytes. */
  slice(lo: number, hi: number, maxBytes = Number.POSITIVE_INFINITY): Entry[] {
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.items[this.head + i - this.start];
      size += e.data.length;
      if (out.length > 0 && size > maxBytes) break;
      out.push(e);
    }
    return out;
  }
}
