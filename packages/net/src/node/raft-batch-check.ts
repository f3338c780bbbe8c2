import { decodeMessage } from '@raftkit/core';
import { unpackFrames } from '@raftkit/runtime';

/**
 * Validation of a Raft batch received from an authenticated peer, before it
 * reaches the router: the batch framing must be intact, every frame must
 * decode into a valid message, come from that peer (a peer cannot speak for
 * another node) and be addressed to this node. A failure closes only that
 * link (counted as a rejected frame); the actor still checks again.
 */
export function raftBatchValidator(
  selfId: string,
  maxFrameBytes: number,
): (from: string, batch: Uint8Array) => void {
  return (from, batch) => {
    const { frames, error } = unpackFrames(batch);
    if (error) throw new Error(`broken batch: ${error}`);
    if (frames.length === 0) throw new Error('empty batch');
    for (const frame of frames) {
      const msg = decodeMessage(frame, { maxBytes: maxFrameBytes });
      if (msg.from !== from) throw new Error(`message claims sender ${msg.from} on the link of ${from}`);
      if (msg.to !== selfId) throw new Error(`message for ${msg.to} sent to ${selfId}`);
    }
  };
}
