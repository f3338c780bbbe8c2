/**
 * A test Cluster whose messages take whole ticks to arrive: each message is
 * due `delay(m)` ticks after it was sent (0: within the same tick, like the
 * plain Cluster). With a random delay this is a jittery network; messages
 * overtake each other. Deterministic for a given delay function.
 */
import type { Message, NodeId } from '@raftkit/core';
import type { Cluster } from './cluster.js';

export class DelayNetwork {
  private pending: { due: number; m: Message }[] = [];
  now = 0;

  constructor(
    readonly c: Cluster,
    public delay: (m: Message) => number,
  ) {}

  /** Tick the given nodes (default all up nodes) once, then deliver what is due until this tick is quiet. */
  tick(ids: readonly NodeId[] = this.c.ids): void {
    this.now++;
    for (const id of ids) if (!this.c.n(id).down) this.c.raft(id).tick();
    this.flush();
  }

  ticks(n: number, ids?: readonly NodeId[]): void {
    for (let i = 0; i < n; i++) this.tick(ids);
  }

  tickUntil(cond: () => boolean, limit = 1000): number {
    for (let i = 0; i <= limit; i++) {
      if (cond()) return i;
      this.tick();
    }
    throw new Error(`condition not reached within ${limit} ticks`);
  }

  /** Messages still on the way. */
  get inFlight(): number {
    return this.pending.length;
  }

  private flush(): void {
    for (let round = 0; round < 10_000; round++) {
      this.c.processAll();
      for (const m of this.c.queue) this.pending.push({ due: this.now + Math.max(0, this.delay(m)), m });
      this.c.queue = [];
      const due = this.pending.filter((p) => p.due <= this.now);
      if (due.length === 0) return;
      this.pending = this.pending.filter((p) => p.due > this.now);
      this.c.queue = due.map((p) => p.m);
      this.c.deliverQueued();
    }
    throw new Error('network did not settle within a tick');
  }
}
