/**
 * KV commands, client sessions and results, and the wire format of a KV
 * request (the payload of a Normal log entry):
 *
 *     [KV_REQUEST_VERSION, opTag, key, ...operands, session]
 *       put    [v, 1, key, value, session]
 *       delete [v, 2, key, session]
 *       cas    [v, 3, key, expected | nil, value, session]
 *       append [v, 4, key, value, session]
 *     session = nil | [clientId, seq]
 */
import { DecodeError, EncodeError } from './errors.js';
import {
  describe,
  invalid,
  packToBytes,
  readArray,
  readNullableString,
  readString,
  readUint,
  unpackStrict,
} from './msgpack.js';

export type KvCommand =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string }
  /** expected === null means "swap only if absent". */
  | { readonly op: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string }
  | { readonly op: 'append'; readonly key: string; readonly value: string };

export type KvOp = KvCommand['op'];

/** Client session for exactly-once: a retried (clientId, seq) returns the first result, applies nothing. */
export interface KvSession {
  readonly clientId: string;
  readonly seq: number;
}

export interface KvRequest {
  readonly cmd: KvCommand;
  readonly session?: KvSession;
}

export type KvResult =
  /** put/delete/append: previous value (null when absent). cas: whether it swapped and the value before. */
  | { readonly ok: true; readonly op: 'put' | 'delete' | 'append'; readonly prev: string | null }
  | { readonly ok: true; readonly op: 'cas'; readonly swapped: boolean; readonly prev: string | null }
  /** The request could not be decoded or its session seq is older than the session's last (stale retry). */
  | { readonly ok: false; readonly error: 'badRequest' | 'staleSession'; readonly message: string };

/** A successful result: what a session caches. */
export type KvOkResult = Extract<KvResult, { ok: true }>;

export const KV_REQUEST_VERSION = 1;
/** Largest encoded request decodeKvRequest accepts (Raft bounds proposals well below this). */
export const MAX_KV_REQUEST_BYTES = 64 * 1024 * 1024;
/** Longest client id accepted in a session. */
export const MAX_CLIENT_ID_LENGTH = 256;

export const KV_OP_TAGS: Readonly<Record<KvOp, number>> = Object.freeze({
  put: 1,
  delete: 2,
  cas: 3,
  append: 4,
});
const OP_OF_TAG: ReadonlyMap<number, KvOp> = new Map(
  (Object.keys(KV_OP_TAGS) as KvOp[]).map((op) => [KV_OP_TAGS[op], op]),
);

/** Encode a request as an entry payload. Throws EncodeError if it is not a valid request. */
export function encodeKvRequest(req: KvRequest): Uint8Array {
  let wire: unknown[];
  try {
    wire = requestToWire(req);
    requestFromWire(wire);
  } catch (err) {
    throw new EncodeError(`cannot encode KV request: ${err instanceof Error ? err.message : String(err)}`);
  }
  return packToBytes(wire);
}

/** Decode and validate a request. Throws DecodeError on anything else. */
export function decodeKvRequest(data: Uint8Array): KvRequest {
  const value = unpackStrict(data, MAX_KV_REQUEST_BYTES, 'KV request');
  if (!Array.isArray(value) || value.length < 2) {
    throw new DecodeError('KV request: expected a [version, op, ...] array', 'malformed');
  }
  return requestFromWire(value);
}

function requestToWire(req: KvRequest): unknown[] {
  const { cmd } = req;
  const session = req.session === undefined ? null : [req.session.clientId, req.session.seq];
  const head = [KV_REQUEST_VERSION, KV_OP_TAGS[cmd.op], cmd.key];
  switch (cmd.op) {
    case 'put':
    case 'append':
      return [...head, cmd.value, session];
    case 'delete':
      return [...head, session];
    case 'cas':
      return [...head, cmd.expected, cmd.value, session];
    default:
      throw new TypeError(`unknown KV op ${String((cmd as { op?: unknown }).op)}`);
  }
}

const REQUEST_LENGTH: Readonly<Record<KvOp, number>> = { put: 5, delete: 4, cas: 6, append: 5 };

function requestFromWire(w: unknown[]): KvRequest {
  const op = typeof w[1] === 'number' ? OP_OF_TAG.get(w[1]) : undefined;
  if (op === undefined) throw new DecodeError(`KV request: unknown op tag ${describe(w[1])}`, 'unknownType');
  if (w[0] !== KV_REQUEST_VERSION) {
    throw new DecodeError(`KV request: unsupported version ${describe(w[0])}`, 'invalidField');
  }
  readArray(w, `KV ${op} request`, REQUEST_LENGTH[op]);
  const key = readString(w[2], 'key');
  const sessionAt = REQUEST_LENGTH[op] - 1;
  const session = readSession(w[sessionAt]);
  let cmd: KvCommand;
  switch (op) {
    case 'put':
    case 'append':
      cmd = { op, key, value: readString(w[3], 'value') };
      break;
    case 'delete':
      cmd = { op, key };
      break;
    case 'cas':
      cmd = { op, key, expected: readNullableString(w[3], 'expected'), value: readString(w[4], 'value') };
      break;
  }
  return session === null ? { cmd } : { cmd, session };
}

function readSession(value: unknown): KvSession | null {
  if (value === null) return null;
  const s = readArray(value, 'session', 2);
  const clientId = readString(s[0], 'session.clientId', MAX_CLIENT_ID_LENGTH);
  if (clientId.length === 0) throw invalid('session.clientId', 'a non-empty client id', clientId);
  return { clientId, seq: readUint(s[1], 'session.seq') };
}
