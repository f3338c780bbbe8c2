/**
 * The one msgpackr configuration every @raftkit/core wire format uses (Raft
 * frames, KV requests, KV snapshots), plus strict readers for decoded values.
 *
 * Frames travel independently between threads and processes, so nothing may
 * depend on state shared across frames: no records/structures, no bundled
 * strings, no structured-clone references. Everything we write is a plain
 * msgpack array of nil / bool / int / float64 / str / bin, which makes the
 * encoding deterministic (same value, same bytes).
 */
import { Packr, RESET_BUFFER_MODE, REUSE_BUFFER_MODE, Unpackr } from 'msgpackr';
import { DecodeError } from './errors.js';

const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  encodeUndefinedAsNil: false,
});

const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  structuredClone: false,
  // A uint64/int64 becomes a (possibly imprecise) number, which the integer
  // readers below then reject unless it is a safe integer: never a BigInt.
  int64AsType: 'number',
  // bin fields come back as views of the frame; readBytes() copies the ones we keep.
  copyBuffers: false,
});

/**
 * Pack a value into a plain Uint8Array that owns its whole ArrayBuffer: not a
 * Buffer, not a view of msgpackr's shared scratch buffer, so a host may hand it
 * to postMessage as a transferable without detaching anything else.
 */
export function packToBytes(value: unknown): Uint8Array {
  // Pack into msgpackr's scratch buffer from its start every time (we copy right away), instead
  // of letting it walk forward and allocate a fresh scratch buffer every few frames.
  const packed = packr.pack(value, REUSE_BUFFER_MODE | RESET_BUFFER_MODE) as unknown as Uint8Array &
    ScratchRange;
  const out = new Uint8Array(packed.end - packed.start);
  out.set(packed.subarray(packed.start, packed.end));
  // msgpackr keeps a scratch buffer as large as the largest value it ever packed: after a
  // snapshot of a large state that would be hundreds of MB held for good by every thread.
  // A copy made by slice() has the scratch buffer's own type (a Node Buffer, whose string
  // writer msgpackr uses), with memory of its own.
  if (packed.buffer.byteLength > MAX_KEPT_SCRATCH_BYTES) {
    packr.useBuffer(Uint8Array.prototype.slice.call(packed, 0, SCRATCH_BYTES));
  }
  return out;
}

/** msgpackr's own first scratch buffer size, and the largest one kept between packs. */
const SCRATCH_BYTES = 8192;
const MAX_KEPT_SCRATCH_BYTES = 1024 * 1024;

/** REUSE_BUFFER_MODE returns the whole scratch buffer with the packed range marked on it. */
interface ScratchRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Unpack exactly one msgpack value that spans the whole input. Anything else
 * (not bytes, too big, truncated, malformed, trailing bytes) is a DecodeError;
 * msgpackr's own errors never escape.
 */
export function unpackStrict(bytes: unknown, maxBytes: number, what: string): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new DecodeError(`${what}: expected a Uint8Array, got ${describe(bytes)}`, 'malformed');
  }
  if (bytes.byteLength > maxBytes) {
    throw new DecodeError(`${what}: ${bytes.byteLength} bytes exceeds the limit of ${maxBytes}`, 'oversized');
  }
  if (bytes.byteLength === 0) throw new DecodeError(`${what}: empty input`, 'truncated');
  try {
    // Unpack a fresh view: msgpackr caches a `dataView` property on the object it reads, and the
    // caller's array must come back exactly as it was handed in.
    return unpackr.unpack(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    const incomplete =
      typeof err === 'object' && err !== null && (err as { incomplete?: unknown }).incomplete;
    const detail =
      err instanceof Error && typeof err.message === 'string' ? err.message.slice(0, 120) : describe(err);
    if (incomplete === true) throw new DecodeError(`${what}: truncated msgpack (${detail})`, 'truncated');
    throw new DecodeError(`${what}: malformed msgpack (${detail})`, 'malformed');
  }
}

// ---------------------------------------------------------------------------
// Strict field readers. `name` goes into the error message so a bad frame says
// which field broke it.

export function invalid(name: string, expected: string, got: unknown): DecodeError {
  return new DecodeError(`${name}: expected ${expected}, got ${describe(got)}`, 'invalidField');
}

export function readArray(value: unknown, name: string, length?: number): unknown[] {
  if (!Array.isArray(value)) throw invalid(name, 'an array', value);
  if (length !== undefined && value.length !== length) {
    throw new DecodeError(`${name}: expected ${length} elements, got ${value.length}`, 'invalidField');
  }
  return value;
}

/** A non-negative safe integer: indices, terms, offsets, counters. */
export function readUint(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(name, 'a non-negative integer', value);
  }
  return value;
}

/** Any safe integer (caller-chosen correlation ids). */
export function readInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(name, 'an integer', value);
  return value;
}

export function readBool(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalid(name, 'a boolean', value);
  return value;
}

export function readString(value: unknown, name: string, maxLength = Number.POSITIVE_INFINITY): string {
  if (typeof value !== 'string') throw invalid(name, 'a string', value);
  if (value.length > maxLength) throw invalid(name, `a string of at most ${maxLength} chars`, value);
  // msgpack strings are UTF-8: a lone surrogate would not survive the trip, so it is never valid.
  if (!isWellFormed(value)) throw invalid(name, 'well-formed Unicode (no lone surrogates)', value);
  return value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
type MaybeWellFormed = string & { isWellFormed?: () => boolean };

/** String.prototype.isWellFormed (ES2024) with a fallback for older engines. */
export function isWellFormed(s: string): boolean {
  const native = (s as MaybeWellFormed).isWellFormed;
  return native !== undefined ? native.call(s) : !LONE_SURROGATE.test(s);
}

export function readNullableString(value: unknown, name: string): string | null {
  return value === null ? null : readString(value, name);
}

/** A msgpack bin, copied into a plain Uint8Array that owns its buffer (never a Buffer, never a view of the frame). */
export function readBytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(name, 'bytes', value);
  return new Uint8Array(value);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `a string of ${value.length} chars` : JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return Object.prototype.toString.call(value);
    default:
      return typeof value;
  }
}
