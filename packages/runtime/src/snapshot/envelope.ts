/**
 * The bytes a runtime snapshot is made of, as stored in LMDB, handed to the
 * core (`Snapshot.data`) and sent to followers in InstallSnapshot chunks:
 *
 *     0..3   magic "RKSN"
 *     4      envelope version (1)
 *     5      compression: 0 none | 1 deflate (raw) | 2 brotli
 *     6..9   length of the state machine's snapshot (u32 LE)
 *     10..13 CRC-32 of the state machine's snapshot (u32 LE)
 *     14..   payload: the state machine's snapshot, compressed as said
 *
 * Compressing once, when the snapshot is taken, makes the stored copy and
 * every transfer small, and a follower stores what it received as is. The
 * core's CRC-32 on the wire covers these envelope bytes; the inner CRC checks
 * the decompressed state end to end before a state machine is restored.
 *
 * Pure and synchronous (node:zlib): it runs on the side-work pool threads.
 */
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  crc32,
  deflateRawSync,
  inflateRawSync,
} from 'node:zlib';

export type SnapshotCompression = 'none' | 'deflate' | 'brotli';

const MAGIC = [0x52, 0x4b, 0x53, 0x4e]; // "RKSN"
const VERSION = 1;
export const ENVELOPE_HEADER_BYTES = 14;
const CODEC_TAG: Record<SnapshotCompression, number> = { none: 0, deflate: 1, brotli: 2 };
const CODEC_OF_TAG: readonly SnapshotCompression[] = ['none', 'deflate', 'brotli'];
/** The u32 length field bounds a snapshot. */
export const MAX_RAW_SNAPSHOT_BYTES = 0xffff_ffff;

/** A snapshot envelope that cannot be opened: wrong magic, unknown version or codec, bad data or checksum. */
export class SnapshotEnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotEnvelopeError';
  }
}

export interface PackOptions {
  readonly compression: SnapshotCompression;
  /** deflate: zlib level 0-9 (default 3); brotli: quality 0-11 (default 4). */
  readonly level?: number;
}

/** Wrap a state machine snapshot into an envelope (compressing it). */
export function packEnvelope(raw: Uint8Array, opts: PackOptions): Uint8Array {
  if (raw.byteLength > MAX_RAW_SNAPSHOT_BYTES) {
    throw new SnapshotEnvelopeError(`snapshot of ${raw.byteLength} bytes exceeds ${MAX_RAW_SNAPSHOT_BYTES}`);
  }
  const tag = CODEC_TAG[opts.compression];
  if (tag === undefined) throw new SnapshotEnvelopeError(`unknown compression ${String(opts.compression)}`);
  const payload =
    opts.compression === 'deflate'
      ? deflateRawSync(raw, { level: opts.level ?? 3 })
      : opts.compression === 'brotli'
        ? brotliCompressSync(raw, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: opts.level ?? 4,
              [constants.BROTLI_PARAM_SIZE_HINT]: raw.byteLength,
            },
          })
        : raw;
  const out = new Uint8Array(ENVELOPE_HEADER_BYTES + payload.byteLength);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  out[5] = tag;
  const dv = new DataView(out.buffer);
  dv.setUint32(6, raw.byteLength, true);
  dv.setUint32(10, crc32(raw), true);
  out.set(payload, ENVELOPE_HEADER_BYTES);
  return out;
}

export interface EnvelopeInfo {
  readonly compression: SnapshotCompression;
  readonly rawBytes: number;
  readonly rawCrc: number;
}

/** Read an envelope's header (no decompression). Throws SnapshotEnvelopeError. */
export function envelopeInfo(envelope: Uint8Array): EnvelopeInfo {
  if (envelope.byteLength < ENVELOPE_HEADER_BYTES) {
    throw new SnapshotEnvelopeError(`snapshot envelope of ${envelope.byteLength} bytes is too short`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (envelope[i] !== MAGIC[i])
      throw new SnapshotEnvelopeError('not a raftkit snapshot envelope (bad magic)');
  }
  if (envelope[4] !== VERSION) {
    throw new SnapshotEnvelopeError(`snapshot envelope version ${envelope[4]}, expected ${VERSION}`);
  }
  const compression = CODEC_OF_TAG[envelope[5]];
  if (compression === undefined) throw new SnapshotEnvelopeError(`unknown compression tag ${envelope[5]}`);
  const dv = new DataView(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  return { compression, rawBytes: dv.getUint32(6, true), rawCrc: dv.getUint32(10, true) };
}

/** Open an envelope: decompress and verify length and CRC of the state machine's snapshot. */
export function unpackEnvelope(envelope: Uint8Array): Uint8Array {
  const info = envelopeInfo(envelope);
  const payload = envelope.subarray(ENVELOPE_HEADER_BYTES);
  let raw: Uint8Array;
  try {
    // maxOutputLength: a corrupt or hostile payload cannot inflate beyond what the header announced.
    const maxOutputLength = Math.max(1, info.rawBytes);
    raw =
      info.compression === 'deflate'
        ? inflateRawSync(payload, { maxOutputLength })
        : info.compression === 'brotli'
          ? brotliDecompressSync(payload, { maxOutputLength })
          : payload.slice();
  } catch (err) {
    throw new SnapshotEnvelopeError(`snapshot payload does not decompress: ${(err as Error).message}`);
  }
  if (raw.byteLength !== info.rawBytes) {
    throw new SnapshotEnvelopeError(
      `snapshot decompresses to ${raw.byteLength} bytes, header says ${info.rawBytes}`,
    );
  }
  const actual = crc32(raw);
  if (actual !== info.rawCrc) {
    throw new SnapshotEnvelopeError(
      `snapshot checksum mismatch: header says ${info.rawCrc.toString(16)}, content gives ${actual.toString(16)}`,
    );
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}
