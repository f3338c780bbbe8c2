import type { WireError } from '@raftkit/runtime';
import { int, oneOf, optInt, optStr, packMap, str, unpackMap, WireFormatError } from '../wire-msgpack.js';

/**
 * Client <-> node requests over an authenticated client connection (frame
 * kinds ClientRequest / ClientResponse). Requests carry an id; responses
 * echo it and may come back in any order.
 */
export type ClientOp =
  | 'propose'
  | 'read'
  | 'query'
  | 'status'
  | 'members'
  | 'confChange'
  | 'transferLeader'
  | 'snapshot'
  | 'repair';
export const CLIENT_OPS: readonly ClientOp[] = [
  'propose',
  'read',
  'query',
  'status',
  'members',
  'confChange',
  'transferLeader',
  'snapshot',
  'repair',
];
export const CONF_CHANGE_OPS = ['addLearner', 'promote', 'remove'] as const;
/** Longest node id or address in an operations request. */
const MAX_NAME_LENGTH = 256;
export type Consistency = 'linearizable' | 'lease' | 'stale';
export const MAX_KEY_LENGTH = 64 * 1024;

export type ClientRequest =
  | { readonly id: number; readonly op: 'propose'; readonly data: Uint8Array }
  | { readonly id: number; readonly op: 'read'; readonly key: string; readonly consistency: Consistency }
  /** An app machine's query: `query` is any msgpack value (the app's query object). */
  | { readonly id: number; readonly op: 'query'; readonly query: unknown; readonly consistency: Consistency }
  | { readonly id: number; readonly op: 'status' | 'members' | 'snapshot' }
  /** Leader only: one membership change; answered once it is committed and applied on the leader. */
  | { readonly id: number; readonly op: 'confChange'; readonly change: MembershipChangeRequest }
  /** Leader only: hand leadership to `to`; answered once `to` leads. */
  | { readonly id: number; readonly op: 'transferLeader'; readonly to: string }
  /** To the diverged node itself: leave, wipe the store, rejoin as a fresh learner. */
  | { readonly id: number; readonly op: 'repair'; readonly node: string };

/** A membership change as a client asks for it (`address`: where an added member listens). */
export interface MembershipChangeRequest {
  readonly type: (typeof CONF_CHANGE_OPS)[number];
  readonly node: string;
  readonly address?: string;
  /** addLearner: the joining store's incarnation (0: not known). */
  readonly incarnation?: number;
}

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
    case 'confChange': {
      const c = m.change;
      if (c === null || typeof c !== 'object' || Array.isArray(c))
        throw new WireFormatError('confChange needs a change');
      const change = c as Record<string, unknown>;
      const address = optStr(change, 'address', MAX_NAME_LENGTH);
      const incarnation = optInt(change, 'incarnation', 0, Number.MAX_SAFE_INTEGER);
      return {
        id,
        op,
        change: {
          type: oneOf(change, 'type', CONF_CHANGE_OPS),
          node: str(change, 'node', MAX_NAME_LENGTH),
          ...(address !== undefined ? { address } : {}),
          ...(incarnation !== undefined ? { incarnation } : {}),
        },
      };
    }
    case 'transferLeader':
      return { id, op, to: str(m, 'to', MAX_NAME_LENGTH) };
    case 'repair':
      return { id, op, node: str(m, 'node', MAX_NAME_LENGTH) };
    case 'status':
    case 'members':
    case 'snapshot':
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
  /** The configuration in force on the answering node (absent while its actor is not running). */
  readonly voters?: readonly string[];
  readonly learners?: readonly string[];
}

/** What `confChange` answers: the committed change's index and the leader's configuration after it. */
export interface ConfChangeAnswer {
  readonly leader: string;
  readonly index: number;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
}

/** What `snapshot` answers: the leader's state machine at a committed index. */
export interface SnapshotAnswer {
  readonly node: string;
  readonly index: number;
  readonly term: number;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  readonly stateHash: string;
  readonly data: Uint8Array;
}
