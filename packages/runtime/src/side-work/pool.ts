import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { SIDE_TASKS_URL } from '../paths.js';
import type { SideReply, SideRequest, SideResult, SideTask } from './protocol.js';

export interface SideWorkPoolOptions {
  /** Pool threads. Default 1 (the actors already use the cores). */
  readonly maxThreads?: number;
  /** Idle pool threads exit after this long. Default 2000 ms. */
  readonly idleTimeoutMs?: number;
}

/**
 * The cluster's shared Piscina pool for CPU-heavy side work. Actors reach it
 * through a side-work port each (`serve`); the main thread may use `run`
 * directly. Threads start on demand and leave when idle.
 */
export class SideWorkPool {
  private readonly pool: Piscina;
  private readonly ports = new Set<MessagePort>();
  private closed = false;
  private tasks = 0;

  constructor(opts: SideWorkPoolOptions = {}) {
    this.pool = new Piscina({
      filename: SIDE_TASKS_URL.href,
      minThreads: 0,
      maxThreads: opts.maxThreads ?? 1,
      idleTimeout: opts.idleTimeoutMs ?? 2000,
    });
  }

  get completed(): number {
    return this.tasks;
  }

  async run(task: SideTask): Promise<SideResult> {
    const transfer = transferOf(task);
    const result = (await this.pool.run(task, transfer ? { transferList: [transfer] } : {})) as SideResult;
    this.tasks++;
    return result;
  }

  /** Answer an actor's side-work requests arriving on `port`. */
  serve(port: MessagePort): void {
    this.ports.add(port);
    port.on('message', (req: SideRequest) => {
      this.run(req.task).then(
        (result) => reply(port, { id: req.id, ok: true, result }, resultBuffers(result)),
        (err: unknown) =>
          reply(port, { id: req.id, ok: false, message: String((err as Error)?.message ?? err) }),
      );
    });
    port.once('close', () => this.ports.delete(port));
    port.unref();
  }

  /** Stop serving a port (its actor is gone). */
  release(port: MessagePort): void {
    if (!this.ports.delete(port)) return;
    port.removeAllListeners('message');
    port.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.ports]) this.release(p);
    await this.pool.destroy();
  }
}

function reply(port: MessagePort, msg: SideReply, transfer: ArrayBuffer[] = []): void {
  try {
    port.postMessage(msg, transfer);
  } catch {
    // The actor went away while its task ran.
  }
}

function transferOf(task: SideTask): ArrayBuffer | null {
  return ownedBuffer(task.kind === 'stateHash' ? task.snapshot : task.data);
}

/** Snapshot bytes in a result arrive as a fresh copy on this thread: hand them on to the actor without another. */
function resultBuffers(result: SideResult): ArrayBuffer[] {
  const bytes =
    result.kind === 'snapshotPack' ? result.envelope : result.kind === 'snapshotUnpack' ? result.data : null;
  const buf = bytes ? ownedBuffer(bytes) : null;
  return buf ? [buf] : [];
}

/** The buffer behind `bytes` if the view covers all of it (never transfer a shared pool slab). */
function ownedBuffer(bytes: Uint8Array): ArrayBuffer | null {
  return bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : null;
}
