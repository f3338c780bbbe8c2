import type { WireError } from '@raftkit/runtime';
import { int, oneOf, packMap, str, unpackMap, WireFormatError } from '../wire-msgpack.js';

/**
 * Client <-> node requests over an authenticated client connection (frame
 * kinds ClientRequest / ClientResponse). Requests carry an id; responses
 * echo it and may come back in any order.
 */
export type ClientOp = 'propose' | 'read' | 'query' | 'status' | 'members';
export const CLIENT_OPS: readonly ClientOp[] = ['propose', 'read', 'query', 'status', 'members'];
export type Consistency = 'linearizable' | 'lease' | 'stale';
export const MAX_KEY_LENGTH = 64 * 1024;

export type ClientRequest =
  | { readonly id: number; readonly op: 'propose'; readonly data: Uint8Array }
  | { readonly id: number; readonly op: 'read'; readonly key: string; readonly consistency: Consistency }
  /** An app machine's query: `query` is any msgpack value (the app's query object). */
  | { readonly id: number; readonly op: 'query'; readonly query: unknown; readonly consistency: Consistency }
  | { readonly id: number; readonly op: 'status' | 'members' };

export type ClientResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

export function encodeClientRequest(r: ClientRequest): Buffer {
  return packMap({ ...r });
}

/** Strict decode; anything off throws WireFormatError (the server closes the connection). */
export function decodeClientRequest(payload: Uint8Array): ClientRequest {
  const m = unpackMap(payload);
  const id = int(m, 'id', 0, 2 ** 32 - 1);
  const op = oneOf(m, 'op', CLIENT_OPS);
  switch (op) {
    case 'propose': {
      const data = m.data;
      if (!(data instanceof Uint8Array) || data.length === 0)
        throw new WireFormatError('propose needs non-empty data');
      return { id, op, data };
    }
    case 'read':
      return {
        id,
        op,
        key: str(m, 'key', MAX_KEY_LENGTH),
        consistency: oneOf(m, 'consistency', ['linearizable', 'lease', 'stale'] as const),
      };
    case 'query':
      if (!('query' in m)) throw new WireFormatError('query needs a query value');
      return {
        id,
        op,
        query: m.query,
        consistency: oneOf(m, 'consistency', ['linearizable', 'lease', 'stale'] as const),
      };
    default:
      return { id, op };
  }
}

export function encodeClientResponse(r: ClientResponse): Buffer {
  return packMap({ ...r });
}

export function decodeClientResponse(payload: Uint8Array): ClientResponse {
  const m = unpackMap(payload);
  const id = int(m, 'id', 0, 2 ** 32 - 1);
  if (m.ok === true) return { id, ok: true, value: m.value };
  if (m.ok === false) {
    const e = m.error as Record<string, unknown> | null;
    if (!e || typeof e !== 'object' || typeof e.code !== 'string' || typeof e.message !== 'string') {
      throw new WireFormatError('error response without code and message');
    }
    return { id, ok: false, error: e as unknown as WireError };
  }
  throw new WireFormatError('response without ok');
}

/** What `members` answers: the node's id, its view of the leader, and every member's client address. */
export interface MembersInfo {
  readonly self: string;
  readonly leader: string | null;
  readonly members: readonly { readonly id: string; readonly address: string }[];
}
