import { isRejectReason, type RejectReason } from '../errors.js';
import { bytes, oneOf, optInt, packMap, str, unpackMap, WireFormatError } from '../wire-msgpack.js';
import { NONCE_BYTES, PROOF_BYTES } from './proof.js';

/**
 * Handshake messages. HELLO starts with a fixed 2-byte version so that a peer
 * of any other version is recognised as such, whatever the rest looks like.
 *
 *   dialer   -> HELLO     { version | cluster, role, id, nonce, udpPort? }
 *   acceptor -> CHALLENGE { id, nonce, proof(acceptor), udpPort? }
 *   dialer   -> AUTH      { proof(dialer) }
 *   acceptor -> WELCOME   {}
 *   either   -> REJECT    { reason, message }   then close
 */
export const PROTOCOL_VERSION = 1;
/** Ids (node ids, client ids, cluster ids) longer than this are refused. */
export const MAX_ID_LENGTH = 128;

export type PeerRole = 'node' | 'client';

export interface Hello {
  readonly version: number;
  readonly clusterId: string;
  readonly role: PeerRole;
  readonly id: string;
  readonly nonce: Uint8Array;
  readonly udpPort?: number;
}

export interface Challenge {
  readonly id: string;
  readonly nonce: Uint8Array;
  readonly proof: Uint8Array;
  readonly udpPort?: number;
}

export interface Auth {
  readonly proof: Uint8Array;
}

export interface Reject {
  readonly reason: RejectReason;
  readonly message: string;
}

export function encodeHello(h: Hello): Buffer {
  const body = packMap({
    cluster: h.clusterId,
    role: h.role,
    id: h.id,
    nonce: h.nonce,
    udpPort: h.udpPort ?? null,
  });
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeUInt16BE(h.version, 0);
  body.copy(out, 2);
  return out;
}

/** Only the version, readable from any HELLO of any version. */
export function readHelloVersion(payload: Uint8Array): number {
  if (payload.length < 2) throw new WireFormatError('HELLO shorter than its version field');
  return (payload[0] << 8) | payload[1];
}

export function decodeHello(payload: Uint8Array): Hello {
  const version = readHelloVersion(payload);
  const m = unpackMap(payload.subarray(2));
  return {
    version,
    clusterId: nonEmpty(str(m, 'cluster', MAX_ID_LENGTH), 'cluster'),
    role: oneOf(m, 'role', ['node', 'client'] as const),
    id: nonEmpty(str(m, 'id', MAX_ID_LENGTH), 'id'),
    nonce: bytes(m, 'nonce', NONCE_BYTES),
    udpPort: optInt(m, 'udpPort', 1, 65535),
  };
}

export function encodeChallenge(c: Challenge): Buffer {
  return packMap({ id: c.id, nonce: c.nonce, proof: c.proof, udpPort: c.udpPort ?? null });
}

export function decodeChallenge(payload: Uint8Array): Challenge {
  const m = unpackMap(payload);
  return {
    id: nonEmpty(str(m, 'id', MAX_ID_LENGTH), 'id'),
    nonce: bytes(m, 'nonce', NONCE_BYTES),
    proof: bytes(m, 'proof', PROOF_BYTES),
    udpPort: optInt(m, 'udpPort', 1, 65535),
  };
}

export function encodeAuth(a: Auth): Buffer {
  return packMap({ proof: a.proof });
}

export function decodeAuth(payload: Uint8Array): Auth {
  return { proof: bytes(unpackMap(payload), 'proof', PROOF_BYTES) };
}

export function encodeWelcome(): Buffer {
  return packMap({});
}

export function decodeWelcome(payload: Uint8Array): void {
  unpackMap(payload);
}

export function encodeReject(r: Reject): Buffer {
  return packMap({ reason: r.reason, message: r.message.slice(0, 512) });
}

export function decodeReject(payload: Uint8Array): Reject {
  const m = unpackMap(payload);
  const reason = m.reason;
  if (!isRejectReason(reason)) throw new WireFormatError('REJECT with an unknown reason');
  return { reason, message: str(m, 'message', 512) };
}

function nonEmpty(value: string, field: string): string {
  if (value.length === 0) throw new WireFormatError(`field ${field}: empty`);
  return value;
}
