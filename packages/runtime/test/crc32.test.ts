/**
 * One CRC-32 (IEEE 802.3) in two implementations: core's pure one (core may
 * not import node:) checks InstallSnapshot chunks on the wire; the runtime
 * uses node:zlib's native one for everything it stores (log records chained
 * from the index's CRC, sealed metadata, snapshots). They must agree bit for
 * bit, including a continued (seeded) computation, or records written by one
 * would fail the other's check.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32 } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { decodeEntryRecord, encodeEntryRecord } from '../src/storage/entry-record.js';

/** Deterministic bytes (a fixed LCG), so a failure reproduces. */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('CRC-32', () => {
  it("core's crc32 and node:zlib's agree, seeded and in pieces", () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the standard check value
    for (const [length, seed] of [
      [0, 1],
      [1, 2],
      [7, 3],
      [1000, 4],
      [65_537, 5],
    ]) {
      const data = bytes(length, seed);
      expect(crc32(data)).toBe(zlibCrc32(data));
      const cut = length >> 1;
      const whole = zlibCrc32(data);
      expect(crc32(data.subarray(cut), crc32(data.subarray(0, cut)))).toBe(whole);
      expect(zlibCrc32(data.subarray(cut), zlibCrc32(data.subarray(0, cut)))).toBe(whole);
      // Seeded over empty input node:zlib may answer 0 instead of the seed (an empty view with no
      // backing store): nothing here chains over an empty piece (a log record's is at least 9 bytes).
      if (length > 0) expect(crc32(data, 0xdeadbeef)).toBe(zlibCrc32(data, 0xdeadbeef));
    }
  });

  it('a log record checks its index, term, type and data with it', () => {
    const e = { index: 42, term: 7, type: 0 as const, data: bytes(100, 6) };
    const rec = encodeEntryRecord(e);
    expect(decodeEntryRecord(42, rec)).toEqual(e);
    expect(decodeEntryRecord(43, rec)).toBeNull(); // under the wrong key
    const flipped = rec.slice();
    flipped[60] ^= 1;
    expect(decodeEntryRecord(42, flipped)).toBeNull();
  });
});
