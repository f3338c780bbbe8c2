import { decodeMessage, encodeMessage, type Message } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { packToBytes } from '../src/msgpack.js';

const heartbeat: Message = { type: 'heartbeat', from: 'n1', to: 'n2', term: 3, commit: 5, seq: 1 };

describe('packToBytes after a large value (a snapshot of a large state)', () => {
  it('packs later values to the same bytes as before, with a string writer that still works', () => {
    const before = encodeMessage(heartbeat);
    const big = packToBytes(['x'.repeat(3_000_000), 'ü'.repeat(1000)]);
    expect(big.byteLength).toBeGreaterThan(3_000_000);
    const after = encodeMessage(heartbeat);
    expect(after).toEqual(before);
    expect(decodeMessage(after)).toEqual(heartbeat);
    // Strings (UTF-8 included) and a second large value still encode as msgpack says.
    expect([...packToBytes('é')]).toEqual([0xa2, 0xc3, 0xa9]);
    expect(packToBytes('y'.repeat(2_000_000)).byteLength).toBe(2_000_005);
    expect(packToBytes(big.byteLength)).toEqual(packToBytes(big.byteLength));
  });
});
