import { crc32 } from 'node:zlib';
import { StorageError } from '../errors.js';

/**
 * Checksums for the small metadata records of a store (format marker, hard
 * state, bootstrap membership, snapshot header, compaction point). Each is
 * written with a `check` field: the CRC-32 of a canonical text of its other
 * fields (keys sorted; byte arrays by length, since they carry a CRC of their
 * own). A flipped vote byte, a changed term or commit index then fails the
 * check at open, with the record and the path named.
 */
export type Sealed<T> = T & { readonly check: number };

export function seal<T extends object>(record: T): Sealed<T> {
  const { check: _old, ...rest } = record as T & { check?: number };
  return { ...(rest as T), check: checkOf(rest) };
}

/**
 * Verify a record read back. `legacy`: the store predates checksums (format
 * version 1), so a record without `check` is accepted (it is rewritten sealed
 * when the store is opened).
 */
export function verifySealed(where: string, name: string, record: unknown, legacy: boolean): void {
  if (record === null || typeof record !== 'object') return; // shape errors are the caller's to report
  const { check, ...rest } = record as { check?: unknown };
  if (check === undefined && legacy) return;
  if (typeof check !== 'number' || check !== checkOf(rest)) {
    throw new StorageError('corrupt', where, `the ${name} record fails its checksum`);
  }
}

function checkOf(record: object): number {
  return crc32(canonical(record)) >>> 0;
}

function canonical(value: unknown): string {
  if (value instanceof Uint8Array) return `bytes:${value.length}`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
