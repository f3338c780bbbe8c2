import { crc32 } from 'node:zlib';
import {
  packEnvelope,
  type SnapshotCompression,
  SnapshotEnvelopeError,
  unpackEnvelope,
} from '../snapshot/envelope.js';
import type { SideWorkClient } from './client.js';

export interface PackedSnapshot {
  /** The envelope: what is stored, handed to the core and sent to followers. */
  readonly envelope: Uint8Array;
  /** CRC-32 of the envelope. */
  readonly crc: number;
  /** Time the compression took where it ran (ms). */
  readonly ms: number;
}

export interface UnpackedSnapshot {
  /** The state machine's snapshot, verified against the envelope's inner CRC. */
  readonly data: Uint8Array;
  /** CRC-32 of the envelope. */
  readonly crc: number;
  readonly ms: number;
}

/**
 * How an actor turns its state machine's snapshot into an envelope and back.
 * `unpack` rejects with SnapshotEnvelopeError on a bad envelope.
 */
export interface SnapshotCodec {
  readonly where: 'pool' | 'inline';
  pack(raw: Uint8Array): Promise<PackedSnapshot>;
  unpack(envelope: Uint8Array): Promise<UnpackedSnapshot>;
}

export interface CodecSettings {
  readonly compression: SnapshotCompression;
  readonly level?: number;
}

/** Compression and checksums on the cluster's shared Piscina pool, off the actor's event loop. */
export class PoolSnapshotCodec implements SnapshotCodec {
  readonly where = 'pool' as const;
  constructor(
    private readonly side: SideWorkClient,
    private readonly settings: CodecSettings,
  ) {}

  async pack(raw: Uint8Array): Promise<PackedSnapshot> {
    // The raw bytes are not needed here afterwards: transfer them when the view owns its buffer.
    const owned = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
    const r = await this.side.run(
      { kind: 'snapshotPack', data: raw, compression: this.settings.compression, level: this.settings.level },
      owned ? [raw.buffer as ArrayBuffer] : [],
    );
    if (r.kind !== 'snapshotPack') throw new Error('unexpected side-work result');
    return { envelope: r.envelope, crc: r.crc, ms: r.ms };
  }

  async unpack(envelope: Uint8Array): Promise<UnpackedSnapshot> {
    // Copied, not transferred: the envelope stays the stored and sendable snapshot.
    const r = await this.side.run({ kind: 'snapshotUnpack', data: envelope });
    if (r.kind !== 'snapshotUnpack') throw new Error('unexpected side-work result');
    if (r.data === null) throw new SnapshotEnvelopeError(r.error ?? 'bad snapshot envelope');
    return { data: r.data, crc: r.crc, ms: r.ms };
  }
}

/** The same work on the calling thread (an actor without a side-work pool, unit tests). */
export class InlineSnapshotCodec implements SnapshotCodec {
  readonly where = 'inline' as const;
  constructor(private readonly settings: CodecSettings) {}

  async pack(raw: Uint8Array): Promise<PackedSnapshot> {
    const t0 = performance.now();
    const envelope = packEnvelope(raw, this.settings);
    return { envelope, crc: crc32(envelope), ms: performance.now() - t0 };
  }

  async unpack(envelope: Uint8Array): Promise<UnpackedSnapshot> {
    const t0 = performance.now();
    const data = unpackEnvelope(envelope);
    return { data, crc: crc32(envelope), ms: performance.now() - t0 };
  }
}
