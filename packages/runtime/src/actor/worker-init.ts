import type { MessagePort } from 'node:worker_threads';
import type { LmdbDurability } from '../storage/lmdb-storage.js';
import type { ActorOptions } from './node-actor.js';

/** How an actor's storage is opened inside its worker. */
export type StorageSpec =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'lmdb';
      readonly path: string;
      /** 'createIfMissing' on the first start, 'mustExist' on restart. */
      readonly mode: 'createIfMissing' | 'mustExist';
      readonly durability: LmdbDurability;
    };

/** workerData of an actor worker. The ports are in the transfer list. */
export interface WorkerInit {
  readonly actor: ActorOptions;
  readonly storage: StorageSpec;
  /** Raw Raft frames to/from the router (never Comlink). */
  readonly raftPort: MessagePort;
  /** Comlink control API. */
  readonly controlPort: MessagePort;
  /** Data plane: batched proposals and reads (ops-protocol.ts). */
  readonly opsPort: MessagePort;
  /** Requests to the shared side-work pool. */
  readonly sidePort: MessagePort;
}

/** Main -> worker on the worker's parentPort: end the thread now (`cluster.kill`), see worker.ts. */
export const KILL_MESSAGE = 'raftkit:kill';
/** The exit code of a worker that ended on KILL_MESSAGE (as a SIGKILLed process's 128 + 9). */
export const KILLED_EXIT_CODE = 137;
