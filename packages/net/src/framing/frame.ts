/**
 * Wire framing: every frame is `[u32 BE length][u8 kind][payload]`, where
 * `length` counts the kind byte plus the payload (so it is never 0).
 * The kind tells the connection layer what the payload is; the framing layer
 * itself only enforces lengths.
 */

export const FRAME_HEADER_BYTES = 4;

/** Frame kinds. Handshake kinds are only legal before the connection is established. */
export const FrameKind = {
  Hello: 1,
  Challenge: 2,
  Auth: 3,
  Welcome: 4,
  Reject: 5,
  /** An opaque Raft message (core's encodeMessage output). */
  Raft: 16,
  /** Link liveness ping / pong (8-byte payload echoed back). */
  Ping: 17,
  Pong: 18,
  ClientRequest: 32,
  ClientResponse: 33,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

const KNOWN_KINDS = new Set<number>(Object.values(FrameKind));

export function isKnownFrameKind(kind: number): kind is FrameKind {
  return KNOWN_KINDS.has(kind);
}

export interface Frame {
  readonly kind: number;
  readonly payload: Buffer;
}

/** The documented request size: a value of 16 MiB (with its key) goes through. */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/**
 * Default largest frame accepted after the handshake (header excluded): a
 * 16 MiB request plus room for what wraps it (its key and session, an append
 * message's and a batch's headers).
 */
export const DEFAULT_MAX_FRAME_BYTES = MAX_REQUEST_BYTES + 256 * 1024;
/** Largest frame accepted before the handshake completes: handshake messages are tiny. */
export const HANDSHAKE_MAX_FRAME_BYTES = 4 * 1024;

/** Encode one frame into a single buffer (header + kind + payload). */
export function encodeFrame(kind: FrameKind, payload: Uint8Array = EMPTY): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 1 + payload.length);
  out.writeUInt32BE(1 + payload.length, 0);
  out[FRAME_HEADER_BYTES] = kind;
  out.set(payload, FRAME_HEADER_BYTES + 1);
  return out;
}

const EMPTY = new Uint8Array(0);
