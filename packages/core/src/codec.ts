/**
 * The Raft wire codec: one Message <-> one self-contained msgpack frame.
 *
 * Frame layout (a positional msgpack array, no field names on the wire):
 *
 *     [tag, WIRE_VERSION, from, to, term, inc, ...fields of the type]

 * `inc` is the sender's incarnation (0 = not set). Version 1 frames (no `inc`)
 * still decode, as incarnation 0.
 *
 * `tag` is the numeric type (MESSAGE_TAGS). Append entries travel as one flat
 * array of [term, type, byteLength] triples followed by ONE msgpack bin holding
 * all their payloads back to back; their indices are implied (prevIndex + 1,
 * + 2, ...), so they cannot be inconsistent. (One bin per message instead of
 * one per entry: msgpackr's per-bin cost dominated the encode time.) On decode
 * the payload bin is copied once, out of the frame, and each entry's `data` is
 * a view of that private copy: entries of one message share one ArrayBuffer,
 * never the frame's.
 *
 * Optional trailing fields (added without a wire version bump, so frames
 * without them are byte-for-byte what older nodes send and accept):
 *   - heartbeat: `[..., commit, seq]` or `[..., commit, seq, [cpIndex, cpHash]]`
 *     (the leader's quorum-confirmed checkpoint);
 *   - heartbeat: `[..., commit, seq, checkpoint | null, tick]` (the leader's
 *     tick, for the clock-rate check, clock-rate.ts);
 *   - heartbeatResp: `[..., seq, checkpoint]` or
 *     `[..., seq, checkpoint, quarantined, priority]`, written only when the
 *     follower is quarantined or has a non-zero priority, or
 *     `[..., seq, checkpoint, quarantined, priority, clockRate]` once the
 *     follower measured the leader's clock rate.
 * A field left out decodes as absent (not as null/false/0).
 *
 * Decoding is strict: a frame decodes to a complete, valid Message or throws a
 * DecodeError with a reason; never another error, never a half-filled message.
 * Beyond types and ranges, the decoder checks the invariants every correct
 * sender keeps, so a corrupted frame cannot slip into a log: entry terms never
 * decrease and never exceed the message term, snapshot chunks lie within the
 * snapshot, a configuration has no duplicate members.
 */
import { flatMap, readIdentityMaps } from './conf-change.js';
import { DecodeError, EncodeError } from './errors.js';
import {
  describe,
  invalid,
  packToBytes,
  readArray,
  readBool,
  readBytes,
  readInt,
  readString,
  readUint,
  unpackStrict,
} from './msgpack.js';
import type {
  AppendMessage,
  Checkpoint,
  ConfState,
  Entry,
  EntryType,
  Message,
  MessageType,
  NodeId,
  SnapshotMeta,
} from './types.js';

/** Default maximum encoded frame size accepted by decodeMessage. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Version of the frame layout; a frame of another version is rejected (reason 'invalidField'). */
export const WIRE_VERSION = 2;
/** The previous layout, without `inc` in the header: still accepted. */
const WIRE_VERSION_WITHOUT_INC = 1;

/** Longest node id accepted on the wire (UTF-16 code units). */
export const MAX_NODE_ID_LENGTH = 256;

/** Longest checkpoint state hash accepted on the wire. */
export const MAX_HASH_LENGTH = 256;

export interface DecodeOptions {
  readonly maxBytes?: number;
}

/** Numeric wire tag of every message type. Stable: never renumber, only add. */
export const MESSAGE_TAGS: Readonly<Record<MessageType, number>> = Object.freeze({
  append: 1,
  appendResp: 2,
  vote: 3,
  voteResp: 4,
  preVote: 5,
  preVoteResp: 6,
  heartbeat: 7,
  heartbeatResp: 8,
  timeoutNow: 9,
  readIndex: 10,
  readIndexResp: 11,
  snapshot: 12,
  snapshotResp: 13,
});

/** Every message type the codec knows, in tag order. */
export const MESSAGE_TYPES: readonly MessageType[] = Object.freeze(
  (Object.keys(MESSAGE_TAGS) as MessageType[]).sort((a, b) => MESSAGE_TAGS[a] - MESSAGE_TAGS[b]),
);

const TYPE_OF_TAG: ReadonlyMap<number, MessageType> = new Map(MESSAGE_TYPES.map((t) => [MESSAGE_TAGS[t], t]));

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && Object.hasOwn(MESSAGE_TAGS, value);
}

const HEADER = 5;
/** Array length of each frame type (header included), without optional trailing fields. */
const FRAME_LENGTH: Readonly<Record<MessageType, number>> = {
  append: HEADER + 5,
  appendResp: HEADER + 5,
  vote: HEADER + 3,
  preVote: HEADER + 3,
  voteResp: HEADER + 1,
  preVoteResp: HEADER + 1,
  heartbeat: HEADER + 2,
  heartbeatResp: HEADER + 2,
  timeoutNow: HEADER,
  readIndex: HEADER + 1,
  readIndexResp: HEADER + 3,
  snapshot: HEADER + 6,
  snapshotResp: HEADER + 4,
};

/** Frame lengths with the optional trailing fields (see the module comment). */
const EXTENDED_FRAME_LENGTHS: Readonly<Partial<Record<MessageType, readonly number[]>>> = {
  heartbeat: [HEADER + 3, HEADER + 4],
  heartbeatResp: [HEADER + 4, HEADER + 5],
};

/** How many optional trailing fields the frame carries (0 for the base layout); throws on any other length. */
function checkFrameLength(w: unknown[], type: MessageType): number {
  const base = FRAME_LENGTH[type];
  if (w.length === base) return 0;
  const extended = EXTENDED_FRAME_LENGTHS[type] ?? [];
  if (extended.includes(w.length)) return w.length - base;
  throw new DecodeError(
    `${type}: expected ${[base, ...extended].join(' or ')} elements, got ${w.length}`,
    'invalidField',
  );
}

// ---------------------------------------------------------------------------
// Encoding

/**
 * Encode one message into a compact msgpack frame (numeric type tags,
 * positional fields). Deterministic: the same message gives the same bytes.
 * The result is a plain Uint8Array owning its ArrayBuffer (transferable).
 * Throws EncodeError if the message is not valid (it would not decode).
 */
export function encodeMessage(msg: Message): Uint8Array {
  let wire: unknown[];
  try {
    wire = toWire(msg);
    // Validate with the decoder's own rules: whatever we send, a peer accepts.
    fromWireBody(wire, msg.type, 'validate');
    wire.splice(HEADER, 0, readUint(msg.inc ?? 0, 'inc'));
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new EncodeError(`cannot encode ${describeMessage(msg)}: ${detail}`);
  }
  return packToBytes(wire);
}

function describeMessage(msg: unknown): string {
  if (typeof msg !== 'object' || msg === null) return 'a non-message';
  const type = (msg as { type?: unknown }).type;
  return isMessageType(type) ? `${type} message` : 'a message of unknown type';
}

function toWire(m: Message): unknown[] {
  const tag = isMessageType(m.type) ? MESSAGE_TAGS[m.type] : undefined;
  if (tag === undefined) throw new TypeError(`unknown message type ${String(m.type)}`);
  const v = WIRE_VERSION;
  switch (m.type) {
    case 'append': {
      const [meta, blob] = entriesToWire(m);
      return [tag, v, m.from, m.to, m.term, m.prevIndex, m.prevTerm, meta, blob, m.commit];
    }
    case 'appendResp':
      return [
        tag,
        v,
        m.from,
        m.to,
        m.term,
        m.reject,
        m.index,
        m.hintIndex,
        m.hintTerm,
        checkpointToWire(m.checkpoint),
      ];
    case 'vote':
    case 'preVote':
      return [tag, v, m.from, m.to, m.term, m.lastIndex, m.lastTerm, m.transfer];
    case 'voteResp':
    case 'preVoteResp':
      return [tag, v, m.from, m.to, m.term, m.reject];
    case 'heartbeat': {
      const hb: unknown[] = [tag, v, m.from, m.to, m.term, m.commit, m.seq];
      const cp = m.checkpoint !== undefined && m.checkpoint !== null ? m.checkpoint : null;
      if (m.tick !== undefined) hb.push(checkpointToWire(cp), m.tick);
      else if (cp !== null) hb.push(checkpointToWire(cp));
      return hb;
    }
    case 'heartbeatResp': {
      const resp: unknown[] = [tag, v, m.from, m.to, m.term, m.seq, checkpointToWire(m.checkpoint)];
      if (
        m.quarantined === true ||
        (m.priority !== undefined && m.priority !== 0) ||
        m.clockRate !== undefined
      ) {
        resp.push(m.quarantined === true, m.priority ?? 0);
      }
      if (m.clockRate !== undefined) resp.push(m.clockRate);
      return resp;
    }
    case 'timeoutNow':
      return [tag, v, m.from, m.to, m.term];
    case 'readIndex':
      return [tag, v, m.from, m.to, m.term, m.ctx];
    case 'readIndexResp':
      return [tag, v, m.from, m.to, m.term, m.ctx, m.reject, m.index];
    case 'snapshot':
      return [
        tag,
        v,
        m.from,
        m.to,
        m.term,
        metaToWire(m.meta),
        m.offset,
        m.totalBytes,
        m.checksum,
        m.chunk,
        m.done,
      ];
    case 'snapshotResp':
      return [tag, v, m.from, m.to, m.term, m.snapshotIndex, m.nextOffset, m.reject, m.done];
  }
}

/** [entry meta triples, payload blob] of an append. */
function entriesToWire(m: AppendMessage): [unknown[], Uint8Array] {
  const n = m.entries.length;
  const meta = new Array<unknown>(n * 3);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const e = m.entries[i];
    if (e.index !== m.prevIndex + 1 + i) {
      throw new RangeError(`entries[${i}].index is ${e.index}, expected ${m.prevIndex + 1 + i}`);
    }
    if (!(e.data instanceof Uint8Array)) throw new TypeError(`entries[${i}].data is not a Uint8Array`);
    meta[i * 3] = e.term;
    meta[i * 3 + 1] = e.type;
    meta[i * 3 + 2] = e.data.byteLength;
    total += e.data.byteLength;
  }
  const blob = new Uint8Array(total);
  let offset = 0;
  for (const e of m.entries) {
    blob.set(e.data, offset);
    offset += e.data.byteLength;
  }
  return [meta, blob];
}

function checkpointToWire(c: Checkpoint | null): unknown {
  return c === null ? null : [c.index, c.hash];
}

function metaToWire(meta: SnapshotMeta): unknown[] {
  const incs = flatMap(meta.conf.incarnations);
  const addrs = flatMap(meta.conf.addresses);
  const wire: unknown[] = [meta.index, meta.term, meta.conf.voters, meta.conf.learners];
  if (incs.length > 0 || addrs.length > 0) wire.push(incs, addrs);
  return wire;
}

// ---------------------------------------------------------------------------
// Decoding

/** Decode and fully validate one frame. Throws DecodeError on anything that is not a valid message. */
export function decodeMessage(frame: Uint8Array, opts?: DecodeOptions): Message {
  const maxBytes = opts?.maxBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const value = unpackStrict(frame, maxBytes, 'frame');
  if (!Array.isArray(value) || value.length < 2) {
    throw new DecodeError(`frame: expected a [tag, version, ...] array, got ${shape(value)}`, 'malformed');
  }
  return fromWire(value, 'decode');
}

function shape(value: unknown): string {
  return Array.isArray(value) ? `an array of ${value.length}` : typeof value;
}

function readNodeId(value: unknown, name: string): NodeId {
  const id = readString(value, name, MAX_NODE_ID_LENGTH);
  if (id.length === 0) throw invalid(name, 'a non-empty node id', id);
  return id;
}

function readTag(value: unknown): MessageType {
  const type = typeof value === 'number' ? TYPE_OF_TAG.get(value) : undefined;
  if (type === undefined) {
    throw new DecodeError(`frame: unknown message type tag ${describe(value)}`, 'unknownType');
  }
  return type;
}

/**
 * Build a Message from a decoded wire array, validating every field.
 * 'decode' copies bin payloads out of the frame; 'validate' (encode side) checks
 * the same rules without copying and without building entry objects.
 */
function fromWire(w: unknown[], mode: 'decode' | 'validate'): Message {
  const type = readTag(w[0]);
  let inc = 0;
  if (w[1] === WIRE_VERSION) {
    inc = readUint(w[HEADER], 'inc');
    w.splice(HEADER, 1); // the rest of the frame has the version 1 layout
  } else if (w[1] !== WIRE_VERSION_WITHOUT_INC) {
    throw new DecodeError(
      `frame: unsupported wire version ${describe(w[1])} (expected ${WIRE_VERSION})`,
      'invalidField',
    );
  }
  const msg = fromWireBody(w, type, mode);
  if (inc !== 0) (msg as { inc?: number }).inc = inc;
  return msg;
}

function fromWireBody(w: unknown[], type: MessageType, mode: 'decode' | 'validate'): Message {
  const extended = checkFrameLength(w, type); // optional trailing fields present
  const from = readNodeId(w[2], 'from');
  const to = readNodeId(w[3], 'to');
  const term = readUint(w[4], 'term');
  const bytes = mode === 'decode' ? readBytes : readBytesView;
  switch (type) {
    case 'append': {
      const prevIndex = readUint(w[5], 'prevIndex');
      const prevTerm = readUint(w[6], 'prevTerm');
      if (prevTerm > term) throw invalid('prevTerm', `at most the message term ${term}`, prevTerm);
      const entries = readEntries(w[7], w[8], { prevIndex, prevTerm, msgTerm: term }, mode === 'decode');
      return { type, from, to, term, prevIndex, prevTerm, entries, commit: readUint(w[9], 'commit') };
    }
    case 'appendResp':
      return {
        type,
        from,
        to,
        term,
        reject: readBool(w[5], 'reject'),
        index: readUint(w[6], 'index'),
        hintIndex: readUint(w[7], 'hintIndex'),
        hintTerm: readUint(w[8], 'hintTerm'),
        checkpoint: readCheckpoint(w[9]),
      };
    case 'vote':
    case 'preVote': {
      const lastIndex = readUint(w[5], 'lastIndex');
      const lastTerm = readUint(w[6], 'lastTerm');
      if (lastTerm > term) throw invalid('lastTerm', `at most the message term ${term}`, lastTerm);
      return { type, from, to, term, lastIndex, lastTerm, transfer: readBool(w[7], 'transfer') };
    }
    case 'voteResp':
    case 'preVoteResp':
      return { type, from, to, term, reject: readBool(w[5], 'reject') };
    case 'heartbeat': {
      const commit = readUint(w[5], 'commit');
      const seq = readUint(w[6], 'seq');
      if (extended === 0) return { type, from, to, term, commit, seq };
      const checkpoint = readCheckpoint(w[7]);
      if (extended === 1) {
        if (checkpoint === null) throw invalid('checkpoint', 'a [index, hash] pair when present', null);
        return { type, from, to, term, commit, seq, checkpoint };
      }
      const tick = readUint(w[8], 'tick');
      return { type, from, to, term, commit, seq, ...(checkpoint !== null ? { checkpoint } : {}), tick };
    }
    case 'heartbeatResp': {
      const seq = readUint(w[5], 'seq');
      const checkpoint = readCheckpoint(w[6]);
      if (extended === 0) return { type, from, to, term, seq, checkpoint };
      const quarantined = readBool(w[7], 'quarantined');
      const priority = readUint(w[8], 'priority');
      if (extended === 2) return { type, from, to, term, seq, checkpoint, quarantined, priority };
      const clockRate = readUint(w[9], 'clockRate');
      return { type, from, to, term, seq, checkpoint, quarantined, priority, clockRate };
    }
    case 'timeoutNow':
      return { type, from, to, term };
    case 'readIndex':
      return { type, from, to, term, ctx: readInt(w[5], 'ctx') };
    case 'readIndexResp':
      return {
        type,
        from,
        to,
        term,
        ctx: readInt(w[5], 'ctx'),
        reject: readBool(w[6], 'reject'),
        index: readUint(w[7], 'index'),
      };
    case 'snapshot': {
      const meta = readMeta(w[5]);
      if (meta.term > term) throw invalid('meta.term', `at most the message term ${term}`, meta.term);
      const offset = readUint(w[6], 'offset');
      const totalBytes = readUint(w[7], 'totalBytes');
      const checksum = readUint(w[8], 'checksum');
      if (checksum > 0xffffffff) throw invalid('checksum', 'a CRC32 (uint32)', checksum);
      const chunk = bytes(w[9], 'chunk');
      const done = readBool(w[10], 'done');
      const end = offset + chunk.byteLength;
      if (end > totalBytes) throw invalid('chunk', `to end within totalBytes ${totalBytes}`, end);
      if (done && end !== totalBytes) throw invalid('done', `a last chunk ending at ${totalBytes}`, end);
      return { type, from, to, term, meta, offset, totalBytes, checksum, chunk, done };
    }
    case 'snapshotResp':
      return {
        type,
        from,
        to,
        term,
        snapshotIndex: readUint(w[5], 'snapshotIndex'),
        nextOffset: readUint(w[6], 'nextOffset'),
        reject: readBool(w[7], 'reject'),
        done: readBool(w[8], 'done'),
      };
  }
}

function readBytesView(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(name, 'bytes', value);
  return value;
}

function readEntryType(value: unknown, name: string): EntryType {
  if (value !== 0 && value !== 1 && value !== 2) throw invalid(name, 'an entry type (0, 1 or 2)', value);
  return value;
}

interface EntryContext {
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly msgTerm: number;
}

/** Validate an append's entries; build them (views of one private payload copy) only when `build`. */
function readEntries(metaValue: unknown, blobValue: unknown, ctx: EntryContext, build: boolean): Entry[] {
  const meta = readArray(metaValue, 'entries');
  if (meta.length % 3 !== 0) throw invalid('entries', '[term, type, byteLength] triples', meta);
  const n = meta.length / 3;
  if (n > 0 && !Number.isSafeInteger(ctx.prevIndex + n)) throw invalid('entries', 'indices below 2^53', n);
  const blob = build ? readBytes(blobValue, 'entry payloads') : readBytesView(blobValue, 'entry payloads');
  const entries = new Array<Entry>(build ? n : 0);
  let lastTerm = ctx.prevTerm;
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const term = readUint(meta[i * 3], 'entry.term');
    if (term < lastTerm || term > ctx.msgTerm) {
      throw invalid(`entries[${i}].term`, `between ${lastTerm} and the message term ${ctx.msgTerm}`, term);
    }
    lastTerm = term;
    const type = readEntryType(meta[i * 3 + 1], 'entry.type');
    const length = readUint(meta[i * 3 + 2], 'entry.byteLength');
    if (length > blob.byteLength - offset) {
      throw invalid(
        `entries[${i}].byteLength`,
        `at most the ${blob.byteLength - offset} payload bytes left`,
        length,
      );
    }
    if (build) {
      const data = new Uint8Array(blob.buffer, blob.byteOffset + offset, length);
      entries[i] = { index: ctx.prevIndex + 1 + i, term, type, data };
    }
    offset += length;
  }
  if (offset !== blob.byteLength) {
    throw invalid('entry payloads', `exactly ${offset} bytes for ${n} entries`, blob);
  }
  return entries;
}

function readCheckpoint(value: unknown): Checkpoint | null {
  if (value === null) return null;
  const c = readArray(value, 'checkpoint', 2);
  return {
    index: readUint(c[0], 'checkpoint.index'),
    hash: readString(c[1], 'checkpoint.hash', MAX_HASH_LENGTH),
  };
}

function readMeta(value: unknown): SnapshotMeta {
  const m = readArray(value, 'meta');
  if (m.length !== 4 && m.length !== 6) throw invalid('meta', 'an array of 4 or 6', m.length);
  const index = readUint(m[0], 'meta.index');
  const term = readUint(m[1], 'meta.term');
  const seen = new Set<NodeId>();
  const members = (v: unknown, name: string): NodeId[] =>
    readArray(v, name).map((id) => {
      const node = readNodeId(id, name);
      if (seen.has(node)) throw invalid(name, 'no duplicate members', node);
      seen.add(node);
      return node;
    });
  const voters = members(m[2], 'meta.conf.voters');
  const learners = members(m[3], 'meta.conf.learners');
  const identity = m.length === 6 ? readIdentityMaps(m[4], m[5], seen, 'meta.conf') : {};
  const conf: ConfState = { voters, learners, ...identity };
  return { index, term, conf };
}
