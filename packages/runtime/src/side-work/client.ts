import type { MessagePort } from 'node:worker_threads';
import type { SideReply, SideRequest, SideResult, SideTask } from './protocol.js';

/** Actor side of the side-work port: send a task to the shared pool, await its result. */
export class SideWorkClient {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(r: SideResult): void; reject(e: Error): void }>();

  constructor(private readonly port: MessagePort) {
    port.on('message', (msg: SideReply) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (this.waiting.size === 0) port.unref();
      if (msg.ok) w.resolve(msg.result);
      else w.reject(new Error(msg.message));
    });
    port.unref();
  }

  run(task: SideTask, transfer: ArrayBuffer[] = []): Promise<SideResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Keep the thread alive while an answer is due (a starting actor may wait on nothing else).
      if (this.waiting.size === 0) this.port.ref();
      this.waiting.set(id, { resolve, reject });
      const req: SideRequest = { id, task };
      this.port.postMessage(req, transfer);
    });
  }

  close(): void {
    for (const w of this.waiting.values()) w.reject(new Error('side work channel closed'));
    this.waiting.clear();
    this.port.close();
  }
}
