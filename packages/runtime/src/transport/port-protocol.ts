import type { NodeId } from '@raftkit/core';

/**
 * Messages on an actor's raw Raft port (never Comlink). Buffers are frame
 * batches (frame-batch.ts) and are transferred, not copied.
 */

/** Actor -> router: one batch per destination. */
export interface OutboundBatches {
  readonly to: NodeId[];
  readonly bufs: ArrayBuffer[];
}

/** Router -> actor: batches with their senders. */
export interface InboundBatches {
  readonly from: NodeId[];
  readonly bufs: ArrayBuffer[];
}
