/**
 * Several Raft frames travel as one buffer: `u32 length (LE) | frame bytes`,
 * repeated. One postMessage (and one transferred ArrayBuffer) per destination
 * per Ready instead of one per message.
 */

/** Pack frames into one fresh ArrayBuffer (safe to transfer: it shares nothing). */
export function packFrames(frames: readonly Uint8Array[]): ArrayBuffer {
  let size = 0;
  for (const f of frames) size += 4 + f.length;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let pos = 0;
  for (const f of frames) {
    dv.setUint32(pos, f.length, true);
    out.set(f, pos + 4);
    pos += 4 + f.length;
  }
  return out.buffer;
}

/**
 * Split frames (in order) into runs whose packed size stays within
 * `maxBytes`; a frame larger than that travels alone. A transport with a
 * frame limit thus never receives a batch above it because of batching.
 */
export function splitBatches(frames: readonly Uint8Array[], maxBytes: number): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  let run: Uint8Array[] = [];
  let size = 0;
  for (const f of frames) {
    if (run.length > 0 && size + 4 + f.length > maxBytes) {
      out.push(run);
      run = [];
      size = 0;
    }
    run.push(f);
    size += 4 + f.length;
  }
  if (run.length > 0) out.push(run);
  return out;
}

export interface UnpackedFrames {
  /** Views into the batch buffer, in order. */
  readonly frames: Uint8Array[];
  /** Set when the batch is malformed (a length running past the end); frames before it are kept. */
  readonly error: string | null;
}

export function unpackFrames(batch: ArrayBuffer | Uint8Array): UnpackedFrames {
  const bytes = batch instanceof Uint8Array ? batch : new Uint8Array(batch);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 4 > bytes.length) return { frames, error: `truncated length prefix at byte ${pos}` };
    const len = dv.getUint32(pos, true);
    if (pos + 4 + len > bytes.length) {
      return {
        frames,
        error: `frame of ${len} bytes at byte ${pos} runs past the batch end (${bytes.length})`,
      };
    }
    frames.push(bytes.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return { frames, error: null };
}

/** Number of well-formed frames in a batch, without copying (for counters). */
export function countFrames(batch: ArrayBuffer | Uint8Array): number {
  return unpackFrames(batch).frames.length;
}
