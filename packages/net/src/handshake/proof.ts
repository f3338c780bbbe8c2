import { createHmac, timingSafeEqual } from 'node:crypto';

export const NONCE_BYTES = 32;
export const PROOF_BYTES = 32;

/** Everything both sides must agree on; the proofs bind all of it. */
export interface HandshakeTranscript {
  readonly version: number;
  readonly clusterId: string;
  readonly dialerRole: 'node' | 'client';
  readonly dialerId: string;
  readonly acceptorId: string;
  readonly dialerNonce: Uint8Array;
  readonly acceptorNonce: Uint8Array;
  /** TLS exported keying material (channel binding), or empty without TLS. */
  readonly channelBinding: Uint8Array;
}

/**
 * HMAC-SHA256 over a length-prefixed encoding of the transcript and a label
 * that says who is proving: a proof made by the acceptor never verifies as a
 * dialer's proof (no reflection), and each side's fresh nonce makes a
 * recorded proof useless on another connection (no replay). With TLS, the
 * channel binding ties the proofs to this TLS session, so a man in the middle
 * who terminates TLS twice cannot relay them.
 */
export function computeProof(key: Uint8Array, who: 'dialer' | 'acceptor', t: HandshakeTranscript): Buffer {
  const mac = createHmac('sha256', key);
  const field = (value: Uint8Array | string) => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(bytes.length, 0);
    mac.update(len);
    mac.update(bytes);
  };
  field(`raftkit handshake proof: ${who}`);
  field(String(t.version));
  field(t.clusterId);
  field(t.dialerRole);
  field(t.dialerId);
  field(t.acceptorId);
  field(t.dialerNonce);
  field(t.acceptorNonce);
  field(t.channelBinding);
  return mac.digest();
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(expected: Uint8Array, received: Uint8Array): boolean {
  return received.length === expected.length && timingSafeEqual(expected, received);
}
