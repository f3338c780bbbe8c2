import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { NodeId } from '@raftkit/core';
import * as Comlink from 'comlink';
import type { ActorOptions } from '../actor/node-actor.js';
import { KILL_MESSAGE, type StorageSpec } from '../actor/worker-init.js';
import type { ActorEvent, NodeControlApi, ReadConsistency, ReadResult, Reply } from '../control/api.js';
import { portEndpoint } from '../control/comlink-endpoint.js';
import { OpsChannel } from '../control/ops-channel.js';
import { fromWireError } from '../error-wire.js';
import { NodeStoppedError, RuntimeError, TimeoutError } from '../errors.js';
import { ACTOR_WORKER_URL } from '../paths.js';

export interface SpawnOptions {
  readonly actor: ActorOptions;
  readonly storage: StorageSpec;
  /** Called for every event the actor posts (after 'ready'). */
  readonly onEvent: (ev: ActorEvent) => void;
  /** Called once when the worker is gone for good (exit, crash or kill). */
  readonly onExit: (how: 'stopped' | 'killed' | 'crashed', error: Error | null) => void;
  readonly startTimeoutMs: number;
  /** Called once the worker thread has exited (its store is closed), whether it ever started or not. */
  readonly onWorkerGone?: () => void;
  /** Called with the ports as soon as the worker exists: side work must be served while it starts (snapshot restore). */
  readonly onPorts?: (ports: ProcessPorts) => void;
}

/** The main-thread side of the ports an actor uses; the cluster hands them to the router and pool. */
export interface ProcessPorts {
  readonly raft: MessagePort;
  readonly side: MessagePort;
}

/**
 * One incarnation of a node's actor: the worker, its Comlink control proxy
 * and its ports. Every call made through `call` is answered: by the actor, or
 * with NodeStoppedError when the worker stops or dies first (Comlink alone
 * would wait forever on a terminated worker).
 */
/** How long a killed worker may take to exit by itself before it is terminated from outside. */
const KILL_GRACE_MS = 2000;

export class NodeProcess {
  private state: 'starting' | 'running' | 'stopping' | 'stopped' = 'starting';
  private readonly pending = new Set<(err: Error) => void>();
  private readonly remote: Comlink.Remote<NodeControlApi>;
  private readonly ops: OpsChannel;
  private exitReported = false;
  /** Why the worker is being stopped (a fatal error of the actor), reported with its exit. */
  private stopCause: Error | null = null;
  private howStopped: 'stopped' | 'killed' | 'crashed' = 'crashed';

  private constructor(
    readonly id: NodeId,
    private readonly worker: Worker,
    private readonly control: MessagePort,
    opsPort: MessagePort,
    readonly ports: ProcessPorts,
    private readonly opts: SpawnOptions,
  ) {
    this.remote = Comlink.wrap<NodeControlApi>(portEndpoint(control));
    this.ops = new OpsChannel(opsPort);
  }

  /** Start a worker and wait until its actor is running (or fails to start: the error is thrown). */
  static async spawn(opts: SpawnOptions): Promise<NodeProcess> {
    const raft = new MessageChannel();
    const control = new MessageChannel();
    const ops = new MessageChannel();
    const side = new MessageChannel();
    const worker = new Worker(ACTOR_WORKER_URL, {
      workerData: {
        actor: opts.actor,
        storage: opts.storage,
        raftPort: raft.port2,
        controlPort: control.port2,
        opsPort: ops.port2,
        sidePort: side.port2,
      },
      transferList: [raft.port2, control.port2, ops.port2, side.port2],
    });
    if (opts.onWorkerGone) worker.once('exit', opts.onWorkerGone);
    const proc = new NodeProcess(
      opts.actor.id,
      worker,
      control.port1,
      ops.port1,
      { raft: raft.port1, side: side.port1 },
      opts,
    );
    opts.onPorts?.(proc.ports);
    await proc.waitReady();
    return proc;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  private waitReady(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settle(new TimeoutError(`node ${this.id} did not start within ${this.opts.startTimeoutMs} ms`));
      }, this.opts.startTimeoutMs);
      const settle = (err: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          this.state = 'stopped';
          this.cleanup();
          // Rejected once the worker is gone: its store (and the store's lock) is free by then.
          void this.worker.terminate().finally(() => reject(err));
        } else {
          this.state = 'running';
          resolve();
        }
      };
      this.worker.on('message', (ev: ActorEvent) => {
        if (!settled) {
          if (ev.type === 'ready') settle(null);
          else if (ev.type === 'fatal') settle(fromWireError(ev.error));
          return;
        }
        if (ev.type === 'fatal') {
          // The actor hit an error it cannot continue from (e.g. storage failure): stop it.
          this.howStopped = 'crashed';
          void this.terminate(fromWireError(ev.error));
          return;
        }
        this.opts.onEvent(ev);
      });
      this.worker.on('error', (err) => {
        if (!settled) settle(err);
        else {
          this.howStopped = 'crashed';
          void this.terminate(err);
        }
      });
      this.worker.on('exit', (code) => {
        if (!settled)
          settle(new RuntimeError('WORKER_EXIT', `node ${this.id} exited with code ${code} while starting`));
        this.markStopped(null);
      });
    });
  }

  /** Run a control call; typed errors come back as the classes in errors.ts. */
  call<T>(fn: (api: Comlink.Remote<NodeControlApi>) => Promise<Reply<T>>): Promise<T> {
    if (this.state !== 'running') return Promise.reject(new NodeStoppedError(this.id));
    return new Promise<T>((resolve, reject) => {
      const onStop = (err: Error) => reject(err);
      this.pending.add(onStop);
      fn(this.remote).then(
        (r) => {
          this.pending.delete(onStop);
          if (r.ok) resolve(r.value);
          else reject(fromWireError(r.error));
        },
        (err: unknown) => {
          this.pending.delete(onStop);
          reject(err);
        },
      );
    });
  }

  /** Propose through the batched data-plane port; resolves with the state machine's result. */
  propose(data: Uint8Array): Promise<unknown> {
    if (this.state !== 'running') return Promise.reject(new NodeStoppedError(this.id));
    return this.ops.propose(data);
  }

  read(key: string, consistency: ReadConsistency): Promise<ReadResult> {
    if (this.state !== 'running') return Promise.reject(new NodeStoppedError(this.id));
    return this.ops.read(key, consistency) as Promise<ReadResult>;
  }

  query(query: unknown, consistency: ReadConsistency): Promise<ReadResult> {
    if (this.state !== 'running') return Promise.reject(new NodeStoppedError(this.id));
    return this.ops.query(query, consistency) as Promise<ReadResult>;
  }

  /** Graceful stop: the actor flushes and closes its storage, then the worker ends. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.howStopped = 'stopped';
    const stop = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.remote.shutdown().then(
        () => {
          clearTimeout(t);
          resolve();
        },
        () => {
          clearTimeout(t);
          resolve();
        },
      );
    });
    await stop;
    await this.terminate(null);
  }

  /**
   * Abrupt stop: whatever the actor was doing is cut off, as in a crash. The
   * worker is told to exit at once, between two of its tasks (its writes in
   * flight on LMDB's own thread commit or not, as in a crash); only a worker
   * that does not exit within KILL_GRACE_MS is terminated from outside.
   * terminate() alone can interrupt lmdb-js inside a native call, and the
   * error it then cannot throw in a terminating thread aborts the process.
   */
  async kill(): Promise<void> {
    if (this.state === 'stopped') return;
    this.howStopped = 'killed';
    await this.terminate(null, async () => {
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.worker.postMessage({ type: KILL_MESSAGE });
      const grace = setTimeout(() => void this.worker.terminate(), KILL_GRACE_MS);
      await exited;
      clearTimeout(grace);
    });
  }

  /** Stop for good: answer every pending call, end the worker (by default from outside), report the exit. */
  private async terminate(
    err: Error | null,
    endWorker: () => Promise<unknown> = () => this.worker.terminate(),
  ): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    // The worker's 'exit' may report the stop before endWorker() returns: it must carry the cause.
    this.stopCause ??= err;
    this.rejectPending();
    await endWorker();
    this.markStopped(err);
  }

  private rejectPending(): void {
    const err = new NodeStoppedError(this.id);
    for (const r of this.pending) r(err);
    this.pending.clear();
    this.ops.close(err);
  }

  private markStopped(err: Error | null): void {
    this.state = 'stopped';
    this.rejectPending();
    this.cleanup();
    if (!this.exitReported) {
      this.exitReported = true;
      this.opts.onExit(this.howStopped, err ?? this.stopCause);
    }
  }

  private cleanup(): void {
    // No Comlink releaseProxy: it would wait for an answer from a worker that is gone.
    this.control.close();
    this.ports.raft.close();
    this.ports.side.close();
  }
}
