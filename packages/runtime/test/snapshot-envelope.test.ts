import { crc32 } from 'node:zlib';
import { encodeKvRequest, KvStateMachine } from '@raftkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { SideWorkPool } from '../src/side-work/pool.js';
import { InlineSnapshotCodec } from '../src/side-work/snapshot-codec.js';
import {
  ENVELOPE_HEADER_BYTES,
  envelopeInfo,
  packEnvelope,
  SnapshotEnvelopeError,
  unpackEnvelope,
} from '../src/snapshot/envelope.js';

/** A real KV snapshot of `n` keys. */
function kvSnapshot(n: number): Uint8Array {
  const sm = new KvStateMachine();
  for (let i = 1; i <= n; i++) {
    sm.apply({
      index: i,
      term: 1,
      type: 0,
      data: encodeKvRequest({ cmd: { op: 'put', key: `k${i}`, value: `value-${i}-${'x'.repeat(i % 40)}` } }),
    });
  }
  return sm.snapshot();
}

const pool = new SideWorkPool();
afterAll(() => pool.close());

describe('snapshot envelopes', () => {
  it('round-trips with every compression, and deflate makes a KV snapshot much smaller', () => {
    const raw = kvSnapshot(2000);
    for (const compression of ['none', 'deflate', 'brotli'] as const) {
      const env = packEnvelope(raw, { compression });
      expect(envelopeInfo(env)).toEqual({ compression, rawBytes: raw.byteLength, rawCrc: crc32(raw) });
      expect(Buffer.from(unpackEnvelope(env)).equals(Buffer.from(raw))).toBe(true);
      if (compression !== 'none') expect(env.byteLength).toBeLessThan(raw.byteLength / 3);
    }
    const restored = new KvStateMachine();
    restored.restore(unpackEnvelope(packEnvelope(raw, { compression: 'deflate' })));
    expect(restored.get('k1999')).toBe(`value-1999-${'x'.repeat(1999 % 40)}`);
  });

  it('refuses an envelope that is not one, or whose content was altered', () => {
    const raw = kvSnapshot(200);
    const env = packEnvelope(raw, { compression: 'deflate' });
    const bad = (mutate: (b: Uint8Array) => Uint8Array | undefined, why: RegExp) => {
      const copy = env.slice();
      const b = mutate(copy) ?? copy;
      expect(() => unpackEnvelope(b)).toThrow(SnapshotEnvelopeError);
      expect(() => unpackEnvelope(b)).toThrow(why);
    };
    bad((b) => b.subarray(0, 5), /too short/);
    const setByte = (at: number, v: number) => (b: Uint8Array) => {
      b[at] = v;
      return b;
    };
    bad(setByte(0, 0), /bad magic/);
    bad(setByte(4, 9), /version 9/);
    bad(setByte(5, 7), /compression tag 7/);
    // A flipped payload byte: either inflate fails or the inner checksum does.
    bad(
      setByte(ENVELOPE_HEADER_BYTES + 40, env[ENVELOPE_HEADER_BYTES + 40] ^ 0xff),
      /decompress|checksum|bytes/,
    );
    // A header announcing less than the payload inflates to: cut off, never inflated without bound.
    bad((b) => {
      new DataView(b.buffer).setUint32(6, 100, true);
      return b;
    }, /decompress|bytes/);
    const none = packEnvelope(raw, { compression: 'none' });
    none[ENVELOPE_HEADER_BYTES + 3] ^= 1;
    expect(() => unpackEnvelope(none)).toThrow(/checksum mismatch/);
  });

  it('compresses and checks on the side-work pool with the same result as inline', async () => {
    const raw = kvSnapshot(500);
    const inline = new InlineSnapshotCodec({ compression: 'deflate' });
    const packed = await pool.run({ kind: 'snapshotPack', data: raw.slice(), compression: 'deflate' });
    if (packed.kind !== 'snapshotPack') throw new Error('unexpected result');
    expect(packed.crc).toBe(crc32(packed.envelope));
    const opened = await inline.unpack(packed.envelope);
    expect(Buffer.from(opened.data).equals(Buffer.from(raw))).toBe(true);
    const viaPool = await pool.run({ kind: 'snapshotUnpack', data: packed.envelope.slice() });
    if (viaPool.kind !== 'snapshotUnpack') throw new Error('unexpected result');
    expect(viaPool.error).toBeNull();
    expect(viaPool.crc).toBe(packed.crc);
    const broken = packed.envelope.slice();
    broken[0] = 1;
    const refused = await pool.run({ kind: 'snapshotUnpack', data: broken });
    expect(refused.kind === 'snapshotUnpack' && refused.error).toMatch(/bad magic/);
  });
});
