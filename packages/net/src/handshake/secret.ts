import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
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

  /**
   * Read the secret from a file. A file that group or others may read is
   * accepted with a warning (see secretFileWarning), given to `warn`.
   */
  static fromFile(path: string, warn: (message: string) => void = () => {}): ClusterSecret {
    let raw: Buffer;
    try {
      raw = readFileSync(path);
    } catch (error) {
      throw new NetConfigError(`cannot read the secret file ${path}: ${(error as Error).message}`);
    }
    const warning = secretFileWarning(path);
    if (warning) warn(warning);
    return ClusterSecret.from(raw);
  }
}

/**
 * Anyone who can read the secret can join the cluster as any node, so a
 * secret file readable by group or others is reported. It is a warning, not
 * a refusal: a group-readable secret is a legitimate deployment (0640 for a
 * service group), and refusing a file that worked yesterday would turn a
 * permissions slip into an outage at the next restart. The warning names the
 * file, its mode and the fix. Null when the mode is fine (or on a platform
 * without POSIX modes).
 */
export function secretFileWarning(path: string): string | null {
  if (process.platform === 'win32') return null;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o044) === 0) return null;
  const who = [mode & 0o040 ? 'its group' : null, mode & 0o004 ? 'every user' : null].filter(Boolean);
  return (
    `the secret file ${path} is readable by ${who.join(' and ')} (mode ${mode.toString(8).padStart(4, '0')}): ` +
    `anyone who can read it can join the cluster; run chmod 600 ${path}`
  );
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
