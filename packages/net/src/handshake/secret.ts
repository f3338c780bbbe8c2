import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { NetConfigError } from '../errors.js';

/** Shorter secrets make the HMAC challenge open to offline guessing. */
export const MIN_SECRET_BYTES = 16;

/**
 * The cluster's shared secret and the keys derived from it. Each use gets its
 * own key (handshake, UDP probes) so a MAC from one channel never verifies on
 * the other.
 */
export class ClusterSecret {
  readonly handshakeKey: Buffer;
  readonly probeKey: Buffer;

  private constructor(secret: Buffer) {
    this.handshakeKey = createHmac('sha256', secret).update('raftkit/v1/handshake').digest();
    this.probeKey = createHmac('sha256', secret).update('raftkit/v1/udp-probe').digest();
  }

  /** From raw bytes or a string. Surrounding whitespace is ignored (so `echo ... > secret` works). */
  static from(secret: string | Uint8Array): ClusterSecret {
    const raw =
      typeof secret === 'string' ? Buffer.from(secret.trim(), 'utf8') : trimBytes(Buffer.from(secret));
    if (raw.length < MIN_SECRET_BYTES) {
      throw new NetConfigError(
        `the cluster secret must be at least ${MIN_SECRET_BYTES} bytes (got ${raw.length})`,
      );
    }
    return new ClusterSecret(raw);
  }

  static fromFile(path: string): ClusterSecret {
    let raw: Buffer;
    try {
      raw = readFileSync(path);
    } catch (error) {
      throw new NetConfigError(`cannot read the secret file ${path}: ${(error as Error).message}`);
    }
    return ClusterSecret.from(raw);
  }
}

function trimBytes(buf: Buffer): Buffer {
  let start = 0;
  let end = buf.length;
  while (start < end && isSpace(buf[start])) start++;
  while (end > start && isSpace(buf[end - 1])) end--;
  return buf.subarray(start, end);
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}
