import type { ReadConsistency, Reply } from './api.js';

/**
 * The data plane of an actor: proposals, reads and app queries, batched over a raw
 * MessagePort. Comlink (one postMessage and one port listener per call) was
 * the main-thread bottleneck under many concurrent clients, so requests
 * issued in the same microtask travel as one message, and replies produced
 * in the same event-loop turn come back as one message.
 */
export type OpRequest =
  | { readonly id: number; readonly op: 'propose'; readonly data: Uint8Array }
  | { readonly id: number; readonly op: 'read'; readonly key: string; readonly consistency: ReadConsistency }
  | {
      readonly id: number;
      readonly op: 'query';
      readonly query: unknown;
      readonly consistency: ReadConsistency;
    };

export interface OpRequestBatch {
  readonly reqs: OpRequest[];
}

export interface OpReply {
  readonly id: number;
  readonly reply: Reply<unknown>;
}

export interface OpReplyBatch {
  readonly replies: OpReply[];
}
