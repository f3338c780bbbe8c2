/**
 * Wire format of a KvStateMachine snapshot:
 *
 *     [KV_SNAPSHOT_VERSION, appliedIndex, [key, value, ...], [session fields x 6 ...], hash]
 *     session fields = clientId, seq, lastIndex, opTag, prev | nil, swapped | nil (nil unless cas)
 *
 * Keys and sessions keep their in-memory order (insertion order for keys,
 * least-recently-used first for sessions), so a restored machine evolves
 * exactly like the one that took the snapshot. `hash` is the state hash at
 * the time of the snapshot; restore recomputes and compares it, which catches
 * corruption that still parses.
 */
import { DecodeError } from './errors.js';
import { KV_OP_TAGS, type KvOkResult, type KvOp } from './kv-request.js';
import {
  describe,
  invalid,
  packToBytes,
  readArray,
  readBool,
  readNullableString,
  readString,
  readUint,
  unpackStrict,
} from './msgpack.js';

export const KV_SNAPSHOT_VERSION = 1;

export interface KvSnapshotSession {
  readonly clientId: string;
  readonly seq: number;
  readonly lastIndex: number;
  readonly result: KvOkResult;
}

export interface KvSnapshotData {
  readonly appliedIndex: number;
  /** Flat [key, value, key, value, ...]. */
  readonly kv: readonly string[];
  readonly sessions: readonly KvSnapshotSession[];
  readonly hash: string;
}

const SESSION_FIELDS = 6;
const OP_OF_TAG: ReadonlyMap<number, KvOp> = new Map(
  (Object.keys(KV_OP_TAGS) as KvOp[]).map((op) => [KV_OP_TAGS[op], op]),
);

export function encodeKvSnapshot(data: KvSnapshotData): Uint8Array {
  const sessions = new Array<unknown>(data.sessions.length * SESSION_FIELDS);
  data.sessions.forEach((s, i) => {
    const r = s.result;
    const at = i * SESSION_FIELDS;
    sessions[at] = s.clientId;
    sessions[at + 1] = s.seq;
    sessions[at + 2] = s.lastIndex;
    sessions[at + 3] = KV_OP_TAGS[r.op];
    sessions[at + 4] = r.prev;
    sessions[at + 5] = r.op === 'cas' ? r.swapped : null;
  });
  return packToBytes([KV_SNAPSHOT_VERSION, data.appliedIndex, data.kv, sessions, data.hash]);
}

/** Parse and type-check a snapshot. Throws DecodeError; semantic checks are the state machine's. */
export function decodeKvSnapshot(bytes: Uint8Array): KvSnapshotData {
  const w = unpackStrict(bytes, Number.MAX_SAFE_INTEGER, 'KV snapshot');
  if (!Array.isArray(w) || w.length !== 5) {
    throw new DecodeError('KV snapshot: expected a 5-element array', 'malformed');
  }
  if (w[0] !== KV_SNAPSHOT_VERSION) {
    throw new DecodeError(`KV snapshot: unsupported version ${describe(w[0])}`, 'invalidField');
  }
  const appliedIndex = readUint(w[1], 'appliedIndex');
  const kv = readArray(w[2], 'kv');
  if (kv.length % 2 !== 0) throw invalid('kv', 'key/value pairs', kv);
  for (let i = 0; i < kv.length; i++) readString(kv[i], i % 2 === 0 ? 'key' : 'value');
  const flat = readArray(w[3], 'sessions');
  if (flat.length % SESSION_FIELDS !== 0)
    throw invalid('sessions', `groups of ${SESSION_FIELDS} fields`, flat);
  const sessions: KvSnapshotSession[] = [];
  for (let at = 0; at < flat.length; at += SESSION_FIELDS) {
    sessions.push({
      clientId: readString(flat[at], 'session.clientId'),
      seq: readUint(flat[at + 1], 'session.seq'),
      lastIndex: readUint(flat[at + 2], 'session.lastIndex'),
      result: readCachedResult(flat, at + 3),
    });
  }
  return { appliedIndex, kv: kv as string[], sessions, hash: readString(w[4], 'hash') };
}

function readCachedResult(flat: unknown[], at: number): KvOkResult {
  const op = typeof flat[at] === 'number' ? OP_OF_TAG.get(flat[at] as number) : undefined;
  if (op === undefined) throw invalid('session.op', 'a KV op tag', flat[at]);
  const prev = readNullableString(flat[at + 1], 'session.prev');
  if (op === 'cas') return { ok: true, op, swapped: readBool(flat[at + 2], 'session.swapped'), prev };
  if (flat[at + 2] !== null) throw invalid('session.swapped', 'nil for a non-cas result', flat[at + 2]);
  return { ok: true, op, prev };
}
