/**
 * Message-level control over a test Cluster: deliver everything while an
 * interceptor may drop, hold or rewrite single messages (a lost chunk, a
 * corrupted chunk, a lost answer), and record what went over the wire.
 */
import type { Message, NodeId } from '@raftkit/core';
import type { Cluster } from './cluster.js';

/** Return the message to deliver (possibly rewritten) or null to lose it. */
export type Interceptor = (m: Message) => Message | null;

/** Process Readies and deliver (through `intercept`) until nothing moves. */
export function runIntercepted(c: Cluster, intercept: Interceptor, maxRounds = 10_000): void {
  for (let i = 0; i < maxRounds; i++) {
    c.processAll();
    if (c.queue.length === 0) return;
    const out: Message[] = [];
    for (const m of c.queue) {
      const r = intercept(m);
      if (r !== null) out.push(r);
    }
    c.queue = out;
    c.deliverQueued();
  }
  throw new Error('did not settle');
}

/** Tick `ids` (default: all up nodes) `n` times, running the network through `intercept` after each tick. */
export function ticksIntercepted(
  c: Cluster,
  n: number,
  intercept: Interceptor,
  ids?: readonly NodeId[],
): void {
  for (let i = 0; i < n; i++) {
    c.tick(ids, { stabilize: false });
    runIntercepted(c, intercept);
  }
}

/** An interceptor that records every message it sees (and delivers it, unless `inner` says otherwise). */
export function recorder(inner: Interceptor = (m) => m): { log: Message[]; intercept: Interceptor } {
  const log: Message[] = [];
  return {
    log,
    intercept: (m) => {
      log.push(m);
      return inner(m);
    },
  };
}
