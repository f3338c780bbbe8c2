import { FrameError } from '../errors.js';
import { FRAME_HEADER_BYTES, type Frame } from './frame.js';

/**
 * Streaming decoder for length-prefixed frames. Feed it socket chunks of any
 * size and boundaries; it returns the complete frames found so far.
 *
 * - The length is checked as soon as the 4-byte header is complete, so an
 *   oversized frame is refused before a single byte of its body is kept.
 * - Incoming chunks are kept in a list and copied once, when a frame is
 *   complete: linear in the bytes received, whatever the chunking.
 * - A chunk may complete some frames and then violate the rules: the frames
 *   before the violation are returned together with the error.
 * - After an error the decoder is poisoned: the stream has lost its framing.
 */
export interface DecodeResult {
  readonly frames: Frame[];
  readonly error: FrameError | null;
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  /** Index of the first unconsumed chunk (avoids O(n) shifts with many tiny chunks). */
  private head = 0;
  private buffered = 0;
  /** Body length (kind + payload) of the frame being read, or -1 while reading a header. */
  private expected = -1;
  private failed: FrameError | null = null;

  constructor(private maxFrameBytes: number) {}

  /** Raise or lower the limit (e.g. after the handshake). Applies to the next header read. */
  setMaxFrameBytes(max: number): void {
    this.maxFrameBytes = max;
  }

  /** Bytes held that do not yet form a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Push one chunk; returns the frames it completed and the framing violation that stopped it, if any. */
  push(chunk: Uint8Array): DecodeResult {
    this.feed(chunk);
    const frames: Frame[] = [];
    for (;;) {
      const next = this.next();
      if (next === null) return { frames, error: null };
      if (next instanceof FrameError) return { frames, error: next };
      frames.push(next);
    }
  }

  /** Keep a chunk without decoding it yet (see next()). */
  feed(chunk: Uint8Array): void {
    if (this.failed || chunk.length === 0) return;
    this.chunks.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
    );
    this.buffered += chunk.length;
  }

  /**
   * Decode one frame from what was fed: the frame, null while incomplete, or
   * the violation (then the decoder is poisoned). One at a time, so that the
   * owner can change the limit between two frames of one chunk (the frame
   * after a handshake's last one is read under the post-handshake limit).
   */
  next(): Frame | FrameError | null {
    if (this.failed) return this.failed;
    if (this.expected < 0) {
      if (this.buffered < FRAME_HEADER_BYTES) return null;
      const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
      if (length === 0)
        return this.fail(new FrameError('malformedFrame', 'frame of length 0 (no kind byte)'));
      if (length > this.maxFrameBytes + 1) {
        const message = `frame of ${length - 1} bytes exceeds the limit of ${this.maxFrameBytes}`;
        return this.fail(new FrameError('oversizedFrame', message));
      }
      this.expected = length;
    }
    if (this.buffered < this.expected) return null;
    const body = this.take(this.expected);
    this.expected = -1;
    return { kind: body[0], payload: body.subarray(1) };
  }

  private fail(error: FrameError): FrameError {
    this.failed = error;
    this.chunks = [];
    this.head = 0;
    this.buffered = 0;
    return error;
  }

  /** Remove and return exactly `n` buffered bytes (n <= buffered), copying only when they span chunks. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[this.head];
    if (first.length >= n) {
      if (first.length === n) this.consumeHead();
      else this.chunks[this.head] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[this.head];
      const want = n - filled;
      if (chunk.length <= want) {
        chunk.copy(out, filled);
        filled += chunk.length;
        this.consumeHead();
      } else {
        chunk.copy(out, filled, 0, want);
        this.chunks[this.head] = chunk.subarray(want);
        filled += want;
      }
    }
    return out;
  }

  private consumeHead(): void {
    this.head++;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
