/**
 * The wire format of an app command (the payload of a Normal log entry) and
 * of its outcome, and the msgpack configuration app values travel in.
 *
 *     [APP_REQUEST_VERSION, clientId | nil, seq, command]
 *
 * A command without a session (clientId nil, seq 0) is applied each time it
 * is proposed; the clients always attach one.
 */
import { Packr, Unpackr } from 'msgpackr';

export const APP_REQUEST_VERSION = 1;
/** Longest client id accepted in a session. */
export const MAX_APP_CLIENT_ID_LENGTH = 256;

// No records or shared structures: every payload decodes on its own, on any
// replica, and the same value always packs to the same bytes.
const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
});
const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  structuredClone: false,
  int64AsType: 'bigint',
});

/** Pack an app value (command, query, result, snapshot part) into bytes that own their buffer. */
export function packValue(value: unknown): Uint8Array {
  return new Uint8Array(packr.pack(value));
}

export function unpackValue(bytes: Uint8Array): unknown {
  return unpackr.unpack(bytes);
}

export interface AppSession {
  readonly clientId: string;
  readonly seq: number;
}

export interface AppRequest {
  readonly command: unknown;
  readonly session: AppSession | null;
}

export function encodeAppRequest(command: unknown, session: AppSession | null): Uint8Array {
  return packValue([APP_REQUEST_VERSION, session?.clientId ?? null, session?.seq ?? 0, command]);
}

/** Decode an entry payload; throws an Error with a reason when it is not an app request. */
export function decodeAppRequest(data: Uint8Array): AppRequest {
  let v: unknown;
  try {
    v = unpackValue(data);
  } catch (err) {
    throw new Error(`not msgpack: ${(err as Error).message}`);
  }
  if (!Array.isArray(v) || v.length !== 4 || v[0] !== APP_REQUEST_VERSION) {
    throw new Error(`not an app request (expected [${APP_REQUEST_VERSION}, clientId, seq, command])`);
  }
  const [, clientId, seq, command] = v as [number, unknown, unknown, unknown];
  if (clientId === null) return { command, session: null };
  if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > MAX_APP_CLIENT_ID_LENGTH) {
    throw new Error(`session client id must be 1-${MAX_APP_CLIENT_ID_LENGTH} characters`);
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    throw new Error('session seq must be a positive integer');
  }
  return { command, session: { clientId, seq } };
}

/**
 * What the runtime answers for an app command: the machine's result, or why
 * there is none. `apply`: the machine threw (nothing changed, every replica
 * answers the same); `badRequest`: the payload is not an app request;
 * `staleSession`: a retry older than the session's last applied command.
 */
export type AppOutcome =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly error: 'apply' | 'badRequest' | 'staleSession';
      readonly message: string;
      readonly index: number;
    };
