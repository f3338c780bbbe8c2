/**
 * A small replicated key/value store: put/get/delete/cas/append over string
 * keys and values, with client sessions for exactly-once semantics and an
 * incremental state hash for divergence detection.
 *
 * Every piece of state that can influence a future result is part of the
 * hash: the key/value pairs and the session table (client, last seq, cached
 * result, last index). `appliedIndex` is not: hosts compare hashes at equal
 * applied indices, and equal states reached by different histories must hash
 * equal.
 */
import { ConfigError, DecodeError, InvalidSnapshotError, OutOfOrderApplyError } from './errors.js';
import { concatHash, EMPTY_STRING_HASH, hashString, Mix64, MultisetHash, type StringHash } from './hash.js';
import {
  decodeKvRequest,
  KV_OP_TAGS,
  type KvCommand,
  type KvOkResult,
  type KvRequest,
  type KvResult,
  type KvSession,
} from './kv-request.js';
import {
  decodeKvSnapshot,
  encodeKvSnapshot,
  type KvSnapshotData,
  type KvSnapshotSession,
} from './kv-snapshot.js';
import type { StateMachine } from './state-machine.js';
import { type Entry, EntryType } from './types.js';

export type { KvCommand, KvOkResult, KvOp, KvRequest, KvResult, KvSession } from './kv-request.js';
export {
  decodeKvRequest,
  encodeKvRequest,
  KV_OP_TAGS,
  KV_REQUEST_VERSION,
  MAX_CLIENT_ID_LENGTH,
  MAX_KV_REQUEST_BYTES,
} from './kv-request.js';
export { KV_SNAPSHOT_VERSION } from './kv-snapshot.js';

export interface KvStateMachineOptions {
  /** Max client sessions kept (oldest by last use are evicted, deterministically). Default 10_000. */
  readonly maxSessions?: number;
}

export const DEFAULT_MAX_SESSIONS = 10_000;

/**
 * Values at least this long keep their hash beside them, so that appending to
 * a long value costs O(suffix); a shorter value is simply hashed again when it
 * changes (cheaper than an object per key: a 1M-key store of short values is
 * then a Map of strings and nothing else).
 */
const CACHED_HASH_MIN_LENGTH = 256;

/** What a session remembers: the last applied seq and its result, and when it was last used. */
interface SessionRecord {
  readonly seq: number;
  readonly result: KvOkResult;
  readonly lastIndex: number;
  readonly lo: number;
  readonly hi: number;
}

/** Public view of one client session. */
export interface KvSessionInfo {
  readonly clientId: string;
  readonly seq: number;
  readonly lastIndex: number;
}

/** What corruptForTesting changed. */
export interface KvCorruption {
  readonly key: string;
  readonly before: string | null;
  readonly after: string;
}

const KV_ITEM = 1;
const SESSION_ITEM = 2;

function slotItemHash(keyHash: StringHash, valueHash: StringHash): Mix64 {
  return new Mix64(KV_ITEM).string(keyHash).string(valueHash);
}

function sessionItemHash(clientId: string, seq: number, lastIndex: number, r: KvOkResult): Mix64 {
  return new Mix64(SESSION_ITEM)
    .string(hashString(clientId))
    .uint(seq)
    .uint(lastIndex)
    .word(KV_OP_TAGS[r.op])
    .word(r.op === 'cas' ? (r.swapped ? 1 : 0) : 2)
    .word(r.prev === null ? 0 : 1)
    .string(r.prev === null ? EMPTY_STRING_HASH : hashString(r.prev));
}

export class KvStateMachine implements StateMachine<KvResult | null> {
  readonly maxSessions: number;
  private applied = 0;
  /** Values by key, in insertion order. */
  private kv = new Map<string, string>();
  /** The hashes of the values of at least CACHED_HASH_MIN_LENGTH code units. */
  private longValueHashes = new Map<string, StringHash>();
  /** Map order is least-recently-used first: a use deletes and re-inserts. */
  private sessionTable = new Map<string, SessionRecord>();
  private digest = new MultisetHash();

  constructor(opts?: KvStateMachineOptions) {
    const max = opts?.maxSessions ?? DEFAULT_MAX_SESSIONS;
    if (!Number.isSafeInteger(max) || max < 1)
      throw new ConfigError(`maxSessions must be a positive integer, got ${max}`);
    this.maxSessions = max;
  }

  get appliedIndex(): number {
    return this.applied;
  }

  /**
   * Apply the next committed entry. Throws OutOfOrderApplyError unless
   * entry.index === appliedIndex + 1. Returns null for entries that carry no
   * command (NoOp, ConfChange); a Normal entry that is not a valid request
   * yields { ok: false, error: 'badRequest' } and changes nothing.
   */
  apply(entry: Entry): KvResult | null {
    if (entry.index !== this.applied + 1) throw new OutOfOrderApplyError(this.applied + 1, entry.index);
    this.applied = entry.index;
    if (entry.type !== EntryType.Normal) return null;
    let req: KvRequest;
    try {
      req = decodeKvRequest(entry.data);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return { ok: false, error: 'badRequest', message: err.message };
    }
    return req.session === undefined
      ? this.execute(req.cmd)
      : this.applyInSession(req.cmd, req.session, entry.index);
  }

  /** Local read of the applied state (serve after a ReadIndex/lease confirmation). */
  get(key: string): string | undefined {
    return this.kv.get(key);
  }

  get size(): number {
    return this.kv.size;
  }

  /** Keys in their (deterministic) insertion order. */
  keys(): IterableIterator<string> {
    return this.kv.keys();
  }

  get sessionCount(): number {
    return this.sessionTable.size;
  }

  /** Sessions, least recently used first. */
  sessions(): KvSessionInfo[] {
    return [...this.sessionTable].map(([clientId, s]) => ({ clientId, seq: s.seq, lastIndex: s.lastIndex }));
  }

  /** Hash of the applied state (16 hex digits), maintained incrementally; equal states have equal hashes. */
  hash(): string {
    return this.digest.digest();
  }

  snapshot(): Uint8Array {
    const kv: string[] = [];
    for (const [key, value] of this.kv) kv.push(key, value);
    const sessions: KvSnapshotSession[] = [];
    for (const [clientId, s] of this.sessionTable) {
      sessions.push({ clientId, seq: s.seq, lastIndex: s.lastIndex, result: s.result });
    }
    return encodeKvSnapshot({ appliedIndex: this.applied, kv, sessions, hash: this.hash() });
  }

  /** Replace the whole state with a snapshot's. Throws InvalidSnapshotError on malformed input, leaving the old state. */
  restore(data: Uint8Array): void {
    let snap: KvSnapshotData;
    try {
      snap = decodeKvSnapshot(data);
    } catch (err) {
      if (err instanceof DecodeError) throw new InvalidSnapshotError(`${err.message} (${err.reason})`);
      throw err;
    }
    const next = new KvStateMachine({ maxSessions: this.maxSessions });
    next.load(snap);
    this.applied = next.applied;
    this.kv = next.kv;
    this.longValueHashes = next.longValueHashes;
    this.sessionTable = next.sessionTable;
    this.digest = next.digest;
  }

  /**
   * TEST HOOK (divergence detection): change one applied value behind the
   * log's back, keeping the incremental hash consistent with the corrupted
   * state so the divergence shows in hash(). Flips the lowest bit of the last
   * character of `key`'s value (default: the first key); an absent key or an
   * empty value becomes "\u0001". Never call this outside tests and drills.
   */
  corruptForTesting(key?: string): KvCorruption {
    const target = key ?? this.kv.keys().next().value;
    if (target === undefined) throw new RangeError('corruptForTesting: the state holds no key to corrupt');
    const before = this.kv.get(target) ?? null;
    const after =
      before === null || before.length === 0
        ? '\u0001'
        : before.slice(0, -1) + String.fromCharCode(before.charCodeAt(before.length - 1) ^ 1);
    this.setValue(target, after, hashString(after));
    return { key: target, before, after };
  }

  // -------------------------------------------------------------------------

  private applyInSession(cmd: KvCommand, session: KvSession, index: number): KvResult {
    const known = this.sessionTable.get(session.clientId);
    if (known !== undefined) {
      if (session.seq < known.seq) {
        return {
          ok: false,
          error: 'staleSession',
          message: `client ${session.clientId} seq ${session.seq} is older than its last applied seq ${known.seq}`,
        };
      }
      if (session.seq === known.seq) {
        // A retry of the last request: answer it again, apply nothing. It still counts as a use.
        this.putSession(session.clientId, known.seq, known.result, index);
        return known.result;
      }
    }
    const result = this.execute(cmd);
    this.putSession(session.clientId, session.seq, result, index);
    while (this.sessionTable.size > this.maxSessions) {
      const [oldest, record] = this.sessionTable.entries().next().value as [string, SessionRecord];
      this.sessionTable.delete(oldest);
      this.digest.remove(record.lo, record.hi);
    }
    return result;
  }

  private putSession(clientId: string, seq: number, result: KvOkResult, lastIndex: number): void {
    const old = this.sessionTable.get(clientId);
    if (old !== undefined) {
      this.sessionTable.delete(clientId);
      this.digest.remove(old.lo, old.hi);
    }
    const h = sessionItemHash(clientId, seq, lastIndex, result);
    const record: SessionRecord = { seq, result, lastIndex, lo: h.lo, hi: h.hi };
    this.sessionTable.set(clientId, record);
    this.digest.add(record.lo, record.hi);
  }

  private execute(cmd: KvCommand): KvOkResult {
    const prev = this.kv.get(cmd.key) ?? null;
    switch (cmd.op) {
      case 'put':
        this.setValue(cmd.key, cmd.value, hashString(cmd.value));
        return { ok: true, op: 'put', prev };
      case 'delete':
        if (prev !== null) {
          const h = slotItemHash(hashString(cmd.key), this.valueHash(cmd.key, prev));
          this.kv.delete(cmd.key);
          this.longValueHashes.delete(cmd.key);
          this.digest.remove(h.lo, h.hi);
        }
        return { ok: true, op: 'delete', prev };
      case 'append': {
        const suffix = hashString(cmd.value);
        if (prev === null) this.setValue(cmd.key, cmd.value, suffix);
        else this.setValue(cmd.key, prev + cmd.value, concatHash(this.valueHash(cmd.key, prev), suffix));
        return { ok: true, op: 'append', prev };
      }
      case 'cas': {
        const swapped = prev === cmd.expected;
        if (swapped) this.setValue(cmd.key, cmd.value, hashString(cmd.value));
        return { ok: true, op: 'cas', swapped, prev };
      }
    }
  }

  /** The hash of `key`'s current value `value`: cached for long values, else computed. */
  private valueHash(key: string, value: string): StringHash {
    return this.longValueHashes.get(key) ?? hashString(value);
  }

  private setValue(key: string, value: string, valueHash: StringHash): void {
    const old = this.kv.get(key);
    const keyHash = hashString(key);
    if (old !== undefined) {
      const h = slotItemHash(keyHash, this.valueHash(key, old));
      this.digest.remove(h.lo, h.hi);
    }
    const h = slotItemHash(keyHash, valueHash);
    this.digest.add(h.lo, h.hi);
    this.kv.set(key, value);
    if (value.length >= CACHED_HASH_MIN_LENGTH) this.longValueHashes.set(key, valueHash);
    else if (old !== undefined && old.length >= CACHED_HASH_MIN_LENGTH) this.longValueHashes.delete(key);
  }

  /** Fill this (fresh) machine from a parsed snapshot, checking what the parser cannot. */
  private load(snap: KvSnapshotData): void {
    // The hot part of a restart with a large state: one Map insertion per key, no lookups.
    const kv = snap.kv;
    for (let i = 0; i < kv.length; i += 2) {
      const key = kv[i];
      const value = kv[i + 1];
      const valueHash = hashString(value);
      const h = slotItemHash(hashString(key), valueHash);
      this.kv.set(key, value);
      if (this.kv.size !== (i >> 1) + 1)
        throw new InvalidSnapshotError(`duplicate key ${JSON.stringify(key.slice(0, 40))}`);
      this.digest.add(h.lo, h.hi);
      if (value.length >= CACHED_HASH_MIN_LENGTH) this.longValueHashes.set(key, valueHash);
    }
    let lastUse = 0;
    for (const s of snap.sessions) {
      if (s.clientId.length === 0) throw new InvalidSnapshotError('empty session client id');
      if (this.sessionTable.has(s.clientId))
        throw new InvalidSnapshotError(`duplicate session ${s.clientId}`);
      // Each applied entry touches at most one session, so uses are strictly increasing in LRU order.
      if (s.lastIndex <= lastUse || s.lastIndex > snap.appliedIndex) {
        throw new InvalidSnapshotError(`session ${s.clientId} has an impossible last index ${s.lastIndex}`);
      }
      lastUse = s.lastIndex;
      this.putSession(s.clientId, s.seq, s.result, s.lastIndex);
    }
    this.applied = snap.appliedIndex;
    const actual = this.hash();
    if (actual !== snap.hash) {
      throw new InvalidSnapshotError(
        `state hash mismatch: snapshot says ${snap.hash}, its content hashes to ${actual}`,
      );
    }
  }
}
