import type { MessagePort } from 'node:worker_threads';
import type { ActorOptions, Reply } from '@raftkit/runtime';

/** How the actor worker opens its storage. */
export type ActorStorageSpec =
  | { readonly kind: 'memory' }
  | { readonly kind: 'lmdb'; readonly path: string; readonly mode: 'createIfMissing' | 'mustExist' };

/** workerData of the node process's actor worker (the ports are transferred). */
export interface ActorWorkerInit {
  readonly actor: ActorOptions;
  readonly storage: ActorStorageSpec;
  /** Raft frame batches to and from the router (InboundBatches / OutboundBatches). */
  readonly raftPort: MessagePort;
  /** Control calls (ControlRequest / ControlResponse). */
  readonly controlPort: MessagePort;
}

export type ControlMethod = 'status' | 'propose' | 'read' | 'transferLeadership' | 'campaign' | 'shutdown';

export interface ControlRequest {
  readonly id: number;
  readonly method: ControlMethod;
  readonly args: readonly unknown[];
}

export interface ControlResponse {
  readonly id: number;
  readonly reply: Reply<unknown>;
}
