import type { MessagePort } from 'node:worker_threads';
import type { Reply } from '../control/api.js';
import type { OpReply, OpReplyBatch, OpRequestBatch } from '../control/ops-protocol.js';
import { AppError } from '../errors.js';
import type { NodeActor } from './node-actor.js';
import { fail } from './waiters.js';

/**
 * Worker end of the data-plane port: runs each request on the actor and
 * sends the replies that became ready in one event-loop turn as one message.
 */
export class OpsServer {
  private outbox: OpReply[] = [];
  private flushScheduled = false;

  constructor(
    private readonly port: MessagePort,
    private readonly actor: NodeActor,
  ) {
    port.on('message', (batch: OpRequestBatch) => this.onBatch(batch));
  }

  private onBatch(batch: OpRequestBatch): void {
    for (const req of batch.reqs) {
      const p: Promise<Reply<unknown>> =
        req.op === 'propose'
          ? this.actor.propose(req.data)
          : req.op === 'read'
            ? this.actor.read(req.key, req.consistency)
            : this.actor.query(req.query, req.consistency);
      p.then((reply) => this.answer(req.id, reply));
    }
  }

  private answer(id: number, reply: Reply<unknown>): void {
    this.outbox.push({ id, reply });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch: OpReplyBatch = { replies: this.outbox };
      this.outbox = [];
      try {
        this.port.postMessage(batch);
      } catch {
        // An answer a thread cannot be sent (an app query returning a function, a symbol): that
        // caller gets an error, the others their answers.
        for (const r of batch.replies) this.postOne(r);
      }
    });
  }

  private postOne(r: OpReply): void {
    try {
      this.port.postMessage({ replies: [r] } satisfies OpReplyBatch);
    } catch (err) {
      const why = `the answer cannot be sent to the caller's thread: ${(err as Error).message}`;
      this.port.postMessage({
        replies: [{ id: r.id, reply: fail(new AppError(why, null)) }],
      } satisfies OpReplyBatch);
    }
  }

  close(): void {
    this.port.removeAllListeners('message');
    this.port.close();
  }
}
