import { createHash } from 'node:crypto';

/**
 * The state hash of a machine without its own `hash()`: a digest of its
 * snapshot bytes (16 hex digits of SHA-256). Equal states give equal bytes
 * (the contract of `snapshot()`), hence equal digests on every replica.
 */
export function digestBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}
