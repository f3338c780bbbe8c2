import type { MessagePort } from 'node:worker_threads';
import type { Reply } from '../control/api.js';
import type { OpReply, OpReplyBatch, OpRequestBatch } from '../control/ops-protocol.js';
import type { NodeActor } from './node-actor.js';

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
      this.port.postMessage(batch);
    });
  }

  close(): void {
    this.port.removeAllListeners('message');
    this.port.close();
  }
}
