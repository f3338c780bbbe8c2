import { crc32 } from 'node:zlib';
import type { Entry, EntryType } from '@raftkit/core';

/**
 * On-disk form of one log entry (the LMDB key is the index):
 *   crc32 u32 | term f64 | type u8 | data...
 * The CRC covers the index (so a record under the wrong key is caught), term,
 * type and data.
 */
const HEADER = 13;

export function encodeEntryRecord(e: Entry): Uint8Array {
  const out = new Uint8Array(HEADER + e.data.length);
  const dv = new DataView(out.buffer);
  dv.setFloat64(4, e.term, true);
  out[12] = e.type;
  out.set(e.data, HEADER);
  dv.setUint32(0, recordCrc(e.index, out), true);
  return out;
}

/** Decode a record stored under `index`; returns null when it is malformed or fails its CRC. */
export function decodeEntryRecord(index: number, rec: Uint8Array): Entry | null {
  if (rec.length < HEADER) return null;
  const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  if (dv.getUint32(0, true) !== recordCrc(index, rec)) return null;
  const term = dv.getFloat64(4, true);
  const type = rec[12];
  if (!Number.isSafeInteger(term) || term < 0 || type > 2) return null;
  // Copy: lmdb-js may hand us a buffer it reuses.
  return { index, term, type: type as EntryType, data: rec.slice(HEADER) };
}

/** Term of a record without copying its data; null when malformed. */
export function recordTerm(index: number, rec: Uint8Array): number | null {
  const e = decodeEntryRecord(index, rec);
  return e ? e.term : null;
}

const indexBuf = new DataView(new ArrayBuffer(8));
function recordCrc(index: number, rec: Uint8Array): number {
  indexBuf.setFloat64(0, index, true);
  const seed = crc32(new Uint8Array(indexBuf.buffer));
  return crc32(rec.subarray(4), seed);
}
