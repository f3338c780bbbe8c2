import type { MessagePort } from 'node:worker_threads';
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

/**
 * Router -> actor, on the same raw Raft port: a direct MessagePort to a peer
 * actor of this process (direct-links.ts), or `port: null` to drop the one it
 * has (the peer stopped). The actor posts a batch for `peer` straight on
 * `port` only while `Atomics.load(flags, slot) === gen`; the main thread sets
 * that cell when the fault table lets the link bypass the router and clears
 * it on any fault, so the sender needs no message to learn of a change.
 */
export interface DirectPeerMessage {
  readonly kind: 'direct';
  readonly peer: NodeId;
  readonly port: MessagePort | null;
  /** The flag table (an Int32Array over a SharedArrayBuffer, shared by every actor). */
  readonly flags: Int32Array | null;
  /** This actor's cell for the link to `peer`. */
  readonly slot: number;
  /** The channel's generation: the cell holds it while the link is direct, 0 otherwise. */
  readonly gen: number;
}

/** Everything the router posts on an actor's raw Raft port. */
export type RouterToActor = InboundBatches | DirectPeerMessage;

/** A direct port carries bare frame batches: the sender is the peer the port was made for. */
export type DirectBatch = ArrayBuffer;
