import { decodeMessage, encodeMessage, type NodeId } from '@raftkit/core';
import { packFrames, unpackFrames } from './frame-batch.js';

/** Corrupt the next `remaining` snapshot chunks on links from -> to (an absent end matches any node). */
export interface CorruptionRule {
  readonly from?: NodeId;
  readonly to?: NodeId;
  remaining: number;
}

/**
 * The router's test fault behind `corruptSnapshotChunks`: decode the frames
 * of a batch, flip one byte (at a seeded position) in the data chunk of each
 * InstallSnapshot message a matching rule still wants, re-encode. Frames that
 * are not snapshot chunks (or do not decode) pass unchanged.
 */
export function corruptSnapshotChunks(
  rules: readonly CorruptionRule[],
  from: NodeId,
  to: NodeId,
  batch: ArrayBuffer,
  random: () => number,
): { batch: ArrayBuffer; corrupted: number } {
  const rule = rules.find(
    (r) =>
      r.remaining > 0 && (r.from === undefined || r.from === from) && (r.to === undefined || r.to === to),
  );
  if (!rule) return { batch, corrupted: 0 };
  const { frames } = unpackFrames(batch);
  let corrupted = 0;
  const out = frames.map((frame) => {
    if (rule.remaining <= 0) return frame;
    let msg: ReturnType<typeof decodeMessage>;
    try {
      msg = decodeMessage(frame);
    } catch {
      return frame;
    }
    if (msg.type !== 'snapshot' || msg.chunk.length === 0) return frame;
    const chunk = msg.chunk.slice();
    chunk[Math.floor(random() * chunk.length)] ^= 0xff;
    rule.remaining--;
    corrupted++;
    return encodeMessage({ ...msg, chunk });
  });
  return corrupted > 0 ? { batch: packFrames(out), corrupted } : { batch, corrupted: 0 };
}
