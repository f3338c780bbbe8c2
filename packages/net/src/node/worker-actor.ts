import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import {
  type ActorEvent,
  type ActorOptions,
  fromWireError,
  NodeStoppedError,
  type ReadConsistency,
  type ReadResult,
  type Reply,
  type RuntimeNodeStatus,
  TimeoutError,
} from '@raftkit/runtime';
import type { ActorStorageSpec, ActorWorkerInit, ControlMethod, ControlResponse } from './actor-protocol.js';

/** Built worker entry; `../../dist/...` resolves from both src/node and dist/node. */
export const ACTOR_WORKER_URL = new URL('../../dist/node/actor-worker.js', import.meta.url);

export interface WorkerActorOptions {
  readonly actor: ActorOptions;
  readonly storage: ActorStorageSpec;
  readonly startTimeoutMs?: number;
  /** Every actor event after 'ready' (transitions, observations, alerts). */
  onEvent?(event: ActorEvent): void;
  /** The worker is gone (stopped, crashed or killed). */
  onExit?(error: Error | null): void;
}

/**
 * The node process's Raft actor on a worker thread, seen from the main
 * thread: its Raft port (for the router), control calls with typed errors,
 * and its events. Every call is answered: by the actor, or with
 * NodeStoppedError when the worker stops first.
 */
export class WorkerActor {
  readonly id: string;
  private readonly pending = new Map<number, (reply: Reply<unknown>) => void>();
  private nextId = 1;
  private state: 'running' | 'stopping' | 'stopped' = 'running';

  private constructor(
    private readonly worker: Worker,
    readonly raftPort: MessagePort,
    private readonly controlPort: MessagePort,
    private readonly opts: WorkerActorOptions,
  ) {
    this.id = opts.actor.id;
    controlPort.on('message', (res: ControlResponse) => {
      const resolve = this.pending.get(res.id);
      if (!resolve) return;
      this.pending.delete(res.id);
      resolve(res.reply);
    });
  }

  /** Start the worker and wait until the actor runs; a failed start throws its typed error (e.g. StorageError). */
  static async start(opts: WorkerActorOptions): Promise<WorkerActor> {
    const raft = new MessageChannel();
    const control = new MessageChannel();
    const init: ActorWorkerInit = {
      actor: opts.actor,
      storage: opts.storage,
      raftPort: raft.port2,
      controlPort: control.port2,
    };
    const worker = new Worker(ACTOR_WORKER_URL, {
      workerData: init,
      transferList: [raft.port2, control.port2],
    });
    const actor = new WorkerActor(worker, raft.port1, control.port1, opts);
    await actor.waitReady(opts.startTimeoutMs ?? 15_000);
    return actor;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  status(): Promise<RuntimeNodeStatus> {
    return this.call('status');
  }
  propose(data: Uint8Array): Promise<unknown> {
    return this.call('propose', data);
  }
  read(key: string, consistency: ReadConsistency): Promise<ReadResult> {
    return this.call('read', key, consistency);
  }
  transferLeadership(to: string): Promise<void> {
    return this.call('transferLeadership', to);
  }
  campaign(): Promise<void> {
    return this.call('campaign');
  }

  /** Graceful stop: the actor answers pending calls, flushes and closes its store; then the worker ends. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    if (this.state !== 'running') return;
    const done = this.call('shutdown').catch(() => {});
    this.state = 'stopping';
    await Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    await this.terminate(null);
  }

  private call<T>(method: ControlMethod, ...args: unknown[]): Promise<T> {
    if (this.state !== 'running') return Promise.reject(new NodeStoppedError(this.id));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, (reply) =>
        reply.ok ? resolve(reply.value as T) : reject(fromWireError(reply.error)),
      );
      this.controlPort.postMessage({ id, method, args });
    });
  }

  private waitReady(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let started = false;
      const timer = setTimeout(
        () => fail(new TimeoutError(`node ${this.id} did not start within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const fail = (err: Error) => {
        if (started) return;
        started = true;
        clearTimeout(timer);
        void this.terminate(err);
        reject(err);
      };
      this.worker.on('message', (ev: ActorEvent) => {
        if (!started) {
          if (ev.type === 'ready') {
            started = true;
            clearTimeout(timer);
            resolve();
          } else if (ev.type === 'fatal') fail(fromWireError(ev.error));
          return;
        }
        if (ev.type === 'fatal') {
          void this.terminate(fromWireError(ev.error));
          return;
        }
        this.opts.onEvent?.(ev);
      });
      this.worker.on('error', (err) => (started ? void this.terminate(err) : fail(err)));
      this.worker.on('exit', (code) => {
        if (!started) fail(new Error(`node ${this.id} worker exited with code ${code} while starting`));
        this.markStopped(null);
      });
    });
  }

  private async terminate(err: Error | null): Promise<void> {
    if (this.state === 'stopped') return;
    this.markStopped(err);
    await this.worker.terminate();
  }

  private markStopped(err: Error | null): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    const stopped = {
      ok: false as const,
      error: { code: 'NODE_STOPPED', message: `node ${this.id} is not running`, nodeId: this.id },
    };
    for (const resolve of this.pending.values()) resolve(stopped);
    this.pending.clear();
    this.controlPort.close();
    this.raftPort.close();
    this.opts.onExit?.(err);
  }
}
