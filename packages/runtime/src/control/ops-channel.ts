import type { MessagePort } from 'node:worker_threads';
import { fromWireError } from '../error-wire.js';
import type { ReadConsistency } from './api.js';
import type { OpReplyBatch, OpRequest, OpRequestBatch } from './ops-protocol.js';

interface Waiter {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/**
 * Main-thread end of an actor's data-plane port (see ops-protocol.ts): one
 * listener for all replies, requests coalesced per microtask.
 */
export class OpsChannel {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private queue: OpRequest[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(private readonly port: MessagePort) {
    port.on('message', (batch: OpReplyBatch) => {
      for (const { id, reply } of batch.replies) {
        const w = this.waiting.get(id);
        if (!w) continue;
        this.waiting.delete(id);
        if (reply.ok) w.resolve(reply.value);
        else w.reject(fromWireError(reply.error));
      }
    });
  }

  get pending(): number {
    return this.waiting.size;
  }

  propose(data: Uint8Array): Promise<unknown> {
    return this.send((id) => ({ id, op: 'propose', data }));
  }

  read(key: string, consistency: ReadConsistency): Promise<unknown> {
    return this.send((id) => ({ id, op: 'read', key, consistency }));
  }

  query(query: unknown, consistency: ReadConsistency): Promise<unknown> {
    return this.send((id) => ({ id, op: 'query', query, consistency }));
  }

  /** Fail every outstanding request with `err` and stop. */
  close(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    this.queue = [];
    this.port.removeAllListeners('message');
    this.port.close();
  }

  private send(make: (id: number) => OpRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.queue.push(make(id));
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.queue.length === 0) return;
    const batch: OpRequestBatch = { reqs: this.queue };
    this.queue = [];
    this.port.postMessage(batch);
  }
}
