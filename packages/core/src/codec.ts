// PLACEHOLDER: public surface of the wire codec. The implementation replaces the bodies.
import type { Message } from './types.js';

/** Default maximum encoded frame size accepted by decodeMessage. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

export interface DecodeOptions {
  readonly maxBytes?: number;
}

/** Encode one message into a compact msgpack frame (numeric type tags, positional fields). */
export function encodeMessage(_msg: Message): Uint8Array {
  throw new Error('not implemented');
}

/** Decode and fully validate one frame. Throws DecodeError on anything that is not a valid message. */
export function decodeMessage(_frame: Uint8Array, _opts?: DecodeOptions): Message {
  throw new Error('not implemented');
}
