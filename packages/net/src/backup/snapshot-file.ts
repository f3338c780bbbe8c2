import { createHash } from 'node:crypto';
import type { SnapshotAnswer } from '../client/protocol.js';
import { SnapshotFileError } from '../errors.js';
import { packMap, unpackMap, WireFormatError } from '../wire-msgpack.js';

/**
 * The backup file of `raftkit snapshot save`:
 *
 *     "RKSNAP\r\n" | u32 BE header length | header (msgpack map) | state bytes | SHA-256 of all before
 *
 * The header says what the bytes are (the state machine's snapshot at a
 * committed index: index, term, membership, state hash, who served it,
 * when) and carries the length and SHA-256 of the state bytes; the trailing
 * SHA-256 covers the whole file, so any flipped, missing or added byte is
 * found before anything is written from it.
 */
export const SNAPSHOT_FILE_MAGIC = Buffer.from('RKSNAP\r\n', 'latin1');
export const SNAPSHOT_FILE_VERSION = 1;
const DIGEST_BYTES = 32;
const MAX_HEADER_BYTES = 1024 * 1024;

/** The leader's answer (its state bytes aside) plus what makes the file self-checking. */
export interface SnapshotFileHeader extends Omit<SnapshotAnswer, 'data'> {
  readonly version: number;
  readonly clusterId: string;
  /** ISO time it was taken. */
  readonly takenAt: string;
  readonly dataBytes: number;
  /** Hex SHA-256 of the state bytes. */
  readonly dataSha256: string;
}

export interface SnapshotFile {
  readonly header: SnapshotFileHeader;
  readonly data: Uint8Array;
}

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export function encodeSnapshotFile(
  fields: Omit<SnapshotFileHeader, 'version' | 'dataBytes' | 'dataSha256'>,
  data: Uint8Array,
): Buffer {
  const header: SnapshotFileHeader = {
    version: SNAPSHOT_FILE_VERSION,
    ...fields,
    voters: [...fields.voters],
    learners: [...fields.learners],
    dataBytes: data.byteLength,
    dataSha256: sha256(data).toString('hex'),
  };
  const head = packMap({ ...header });
  const len = Buffer.alloc(4);
  len.writeUInt32BE(head.length, 0);
  const body = Buffer.concat([SNAPSHOT_FILE_MAGIC, len, head, data]);
  return Buffer.concat([body, sha256(body)]);
}

/** Decode and verify a backup file; `file` names it in errors. Throws SnapshotFileError. */
export function decodeSnapshotFile(bytes: Uint8Array, file: string): SnapshotFile {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const minimum = SNAPSHOT_FILE_MAGIC.length + 4 + DIGEST_BYTES;
  if (
    buf.length < SNAPSHOT_FILE_MAGIC.length ||
    !buf.subarray(0, SNAPSHOT_FILE_MAGIC.length).equals(SNAPSHOT_FILE_MAGIC)
  ) {
    throw new SnapshotFileError(file, 'notABackup', 'not a raftkit snapshot file (bad magic)');
  }
  if (buf.length < minimum) throw new SnapshotFileError(file, 'truncated', `only ${buf.length} bytes`);
  const body = buf.subarray(0, buf.length - DIGEST_BYTES);
  if (!sha256(body).equals(buf.subarray(buf.length - DIGEST_BYTES))) {
    throw new SnapshotFileError(
      file,
      'checksum',
      'checksum mismatch: the file is damaged or truncated (nothing was written)',
    );
  }
  const headLen = body.readUInt32BE(SNAPSHOT_FILE_MAGIC.length);
  const headStart = SNAPSHOT_FILE_MAGIC.length + 4;
  if (headLen > MAX_HEADER_BYTES || headStart + headLen > body.length) {
    throw new SnapshotFileError(file, 'badHeader', `header length ${headLen} does not fit the file`);
  }
  let m: Record<string, unknown>;
  try {
    m = unpackMap(body.subarray(headStart, headStart + headLen));
  } catch (error) {
    if (error instanceof WireFormatError) throw new SnapshotFileError(file, 'badHeader', error.message);
    throw error;
  }
  if (m.version !== SNAPSHOT_FILE_VERSION) {
    throw new SnapshotFileError(
      file,
      'unsupportedVersion',
      `format version ${String(m.version)} (expected ${SNAPSHOT_FILE_VERSION})`,
    );
  }
  const header = checkHeader(m, file);
  const data = body.subarray(headStart + headLen);
  if (data.length !== header.dataBytes || sha256(data).toString('hex') !== header.dataSha256) {
    throw new SnapshotFileError(file, 'checksum', 'state bytes do not match the header');
  }
  return { header, data: new Uint8Array(data) };
}

function checkHeader(m: Record<string, unknown>, file: string): SnapshotFileHeader {
  const bad = (field: string): never => {
    throw new SnapshotFileError(file, 'badHeader', `header field ${field} is missing or invalid`);
  };
  const uint = (f: string) =>
    typeof m[f] === 'number' && Number.isSafeInteger(m[f]) && (m[f] as number) >= 0
      ? (m[f] as number)
      : bad(f);
  const text = (f: string) => (typeof m[f] === 'string' ? (m[f] as string) : bad(f));
  const ids = (f: string) =>
    Array.isArray(m[f]) && (m[f] as unknown[]).every((x) => typeof x === 'string')
      ? (m[f] as string[])
      : bad(f);
  const header: SnapshotFileHeader = {
    version: uint('version'),
    clusterId: text('clusterId'),
    node: text('node'),
    index: uint('index'),
    term: uint('term'),
    voters: ids('voters'),
    learners: ids('learners'),
    stateHash: text('stateHash'),
    takenAt: text('takenAt'),
    dataBytes: uint('dataBytes'),
    dataSha256: text('dataSha256'),
  };
  if (header.index < 1) bad('index');
  return header;
}
