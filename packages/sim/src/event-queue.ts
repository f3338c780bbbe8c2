/**
 * The simulator's discrete-event queue: a binary min-heap ordered by virtual
 * time, ties broken by insertion order (a sequence number), so that the order
 * of events is a pure function of the order they were scheduled in.
 */

interface Slot<T> {
  readonly time: number;
  readonly seq: number;
  readonly event: T;
}

export interface Scheduled<T> {
  readonly time: number;
  readonly event: T;
}

export class EventQueue<T> {
  private readonly heap: Slot<T>[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `event` at virtual `time` (integer microseconds). */
  push(time: number, event: T): void {
    if (!Number.isFinite(time) || time < 0) throw new RangeError(`bad event time ${time}`);
    const heap = this.heap;
    const slot: Slot<T> = { time, seq: this.nextSeq++, event };
    let i = heap.length;
    heap.push(slot);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(slot, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = slot;
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): number {
    return this.heap.length > 0 ? this.heap[0].time : Number.POSITIVE_INFINITY;
  }

  pop(): Scheduled<T> | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop() as Slot<T>;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && before(heap[r], heap[l]) ? r : l;
        if (!before(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return { time: top.time, event: top.event };
  }
}

function before<T>(x: Slot<T>, y: Slot<T>): boolean {
  return x.time < y.time || (x.time === y.time && x.seq < y.seq);
}
