/**
 * The runtime's wrapper around an app state machine: it turns committed log
 * entries into `apply(command, ctx)` calls and adds what every app needs and
 * none should write itself:
 *
 * - Exactly-once: a command carries a session (client id, seq). A retry of
 *   the session's last command is answered from the session table without
 *   calling `apply` again; an older one is refused (`staleSession`).
 * - Deterministic expiry: at most `maxSessions` sessions, the least recently
 *   used (by applied entries, never by clocks) evicted first, so every replica
 *   keeps the same table.
 * - A throwing `apply` is the command's result (`{ ok: false, error: 'apply' }`),
 *   cached like any result, unless the spec asks to halt the node instead.
 * - Snapshots carry the session table with the app's bytes; the state hash
 *   covers it too.
 */
import type { Entry, StateMachine } from '@raftkit/core';
import { EntryType } from '@raftkit/core';
import type { AppStateMachine } from './app-machine.js';
import { type AppOutcome, decodeAppRequest, packValue, unpackValue } from './app-request.js';
import { digestBytes } from './snapshot-digest.js';

export const DEFAULT_APP_MAX_SESSIONS = 10_000;
const SNAPSHOT_VERSION = 1;

export type ApplyErrorPolicy = 'reject' | 'halt';

export interface SessionMachineOptions {
  readonly maxSessions?: number;
  /** 'reject' (default): a throw is the command's result. 'halt': the throw stops the node (see NodeActor). */
  readonly onApplyError?: ApplyErrorPolicy;
}

interface SessionRecord {
  readonly seq: number;
  /** The outcome, packed: what a retry gets (a copy, never the app's live object). */
  readonly result: Uint8Array;
  readonly lastIndex: number;
  /** This record's share of the session digest. */
  readonly lo: number;
  readonly hi: number;
}

/** A state machine over log entries, as NodeActor drives it, plus reads by query. */
export class SessionMachine implements StateMachine<AppOutcome | null> {
  private applied = 0;
  /** Map order is least recently used first: a use deletes and re-inserts. */
  private sessions = new Map<string, SessionRecord>();
  /** Order-independent sum of the records' hashes (two 32-bit lanes). */
  private digestLo = 0;
  private digestHi = 0;
  /** Machines without hash(): the digest of the snapshot at `derivedAt` (computed on demand, kept per index). */
  private derived = '';
  private derivedAt = -1;
  readonly maxSessions: number;
  readonly onApplyError: ApplyErrorPolicy;

  constructor(
    private readonly app: AppStateMachine,
    opts: SessionMachineOptions = {},
  ) {
    this.maxSessions = opts.maxSessions ?? DEFAULT_APP_MAX_SESSIONS;
    this.onApplyError = opts.onApplyError ?? 'reject';
  }

  get appliedIndex(): number {
    return this.applied;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** true when the app has no hash(): the state hash is a digest of snapshot bytes (hosts compute it on a pool at checkpoints). */
  get derivesHash(): boolean {
    return typeof this.app.hash !== 'function';
  }

  apply(entry: Entry): AppOutcome | null {
    if (entry.index !== this.applied + 1) {
      throw new Error(`apply out of order: expected index ${this.applied + 1}, got ${entry.index}`);
    }
    if (entry.type !== EntryType.Normal) {
      this.applied = entry.index;
      return null;
    }
    let req: ReturnType<typeof decodeAppRequest>;
    try {
      req = decodeAppRequest(entry.data);
    } catch (err) {
      this.applied = entry.index;
      return { ok: false, error: 'badRequest', message: (err as Error).message, index: entry.index };
    }
    const s = req.session;
    const known = s === null ? undefined : this.sessions.get(s.clientId);
    if (s !== null && known !== undefined) {
      if (s.seq < known.seq) {
        this.applied = entry.index;
        return {
          ok: false,
          error: 'staleSession',
          message: `client ${s.clientId} seq ${s.seq} is older than its last applied seq ${known.seq}`,
          index: entry.index,
        };
      }
      if (s.seq === known.seq) {
        // A retry of the last command: answer it again, apply nothing. It still counts as a use.
        this.applied = entry.index;
        this.putSession(s.clientId, known.seq, known.result, entry.index);
        return unpackValue(known.result) as AppOutcome;
      }
    }
    let outcome = this.run(req.command, entry);
    this.applied = entry.index;
    // The proposer gets the result as msgpack carries it, the same on its first answer, on a
    // retry answered from the table and over TCP (and never a live object of the app's state,
    // nor one a thread cannot be sent).
    let packed: Uint8Array;
    try {
      packed = packValue(outcome);
    } catch (err) {
      const message = `apply returned a value that cannot be serialized: ${errorMessage(err)}`;
      outcome = { ok: false, error: 'apply', message, index: entry.index };
      packed = packValue(outcome);
    }
    if (s !== null) {
      this.putSession(s.clientId, s.seq, packed, entry.index);
      while (this.sessions.size > this.maxSessions) {
        const [oldest, rec] = this.sessions.entries().next().value as [string, SessionRecord];
        this.sessions.delete(oldest);
        this.removeDigest(rec);
      }
    }
    return unpackValue(packed) as AppOutcome;
  }

  /** Answer a read-only query from the applied state (the host confirmed the read first). */
  query(q: unknown): unknown {
    return this.app.query(q);
  }

  /**
   * The state hash: the app's hash() with the session table's digest, or,
   * without hash(), a digest of the snapshot bytes (computed here, on this
   * thread, at most once per applied index: hosts call it for status and
   * checks, and derive checkpoint hashes on their side-work pool instead).
   */
  hash(): string {
    if (!this.derivesHash) {
      // Any hash the app returns (a number, a long digest) becomes a short string checkpoints can carry.
      const own = String(this.app.hash!());
      return `${own.length <= 64 ? own : digestBytes(new TextEncoder().encode(own))}.${hex(this.digestHi)}${hex(this.digestLo)}`;
    }
    if (this.derivedAt !== this.applied) {
      this.derived = digestBytes(this.snapshot());
      this.derivedAt = this.applied;
    }
    return this.derived;
  }

  snapshot(): Uint8Array {
    const sessions: unknown[] = [];
    for (const [clientId, r] of this.sessions) sessions.push(clientId, r.seq, r.lastIndex, r.result);
    return packValue([SNAPSHOT_VERSION, this.applied, sessions, this.app.snapshot()]);
  }

  /** Replace the state with a snapshot's; a malformed one throws and leaves the state as it was. */
  restore(data: Uint8Array): void {
    const v = unpackValue(data) as unknown[];
    if (!Array.isArray(v) || v.length !== 4 || v[0] !== SNAPSHOT_VERSION) {
      throw new Error('not an app state-machine snapshot');
    }
    const [, applied, flat, appState] = v as [number, unknown, unknown, unknown];
    if (typeof applied !== 'number' || !Number.isSafeInteger(applied) || applied < 0) {
      throw new Error('snapshot applied index is not an integer >= 0');
    }
    if (!Array.isArray(flat) || flat.length % 4 !== 0) {
      throw new Error('snapshot session table is malformed');
    }
    const next = new SessionMachine(this.app, this);
    for (let i = 0; i < flat.length; i += 4) {
      const [clientId, seq, lastIndex, result] = flat.slice(i, i + 4) as [unknown, unknown, unknown, unknown];
      if (
        typeof clientId !== 'string' ||
        typeof seq !== 'number' ||
        typeof lastIndex !== 'number' ||
        !(result instanceof Uint8Array)
      ) {
        throw new Error(`snapshot session ${i / 4} is malformed`);
      }
      next.putSession(clientId, seq, Uint8Array.from(result), lastIndex);
    }
    // The app's restore is the last step that can throw: the session table is swapped only after it.
    // The app gets back what its snapshot() returned: bytes (as a copy it may keep), or any other
    // msgpack value a lenient machine returned instead (a string, plain objects).
    this.app.restore((appState instanceof Uint8Array ? Uint8Array.from(appState) : appState) as Uint8Array);
    this.applied = applied;
    this.sessions = next.sessions;
    this.digestLo = next.digestLo;
    this.digestHi = next.digestHi;
    this.derivedAt = -1;
  }

  /**
   * TEST HOOK (divergence drills): forwarded to the app's own
   * `corruptForTesting(key?)` (returning { key, before, after }), which must
   * change its state behind the log's back. RangeError when it has none.
   */
  corruptForTesting(key?: string): unknown {
    const hook = (this.app as { corruptForTesting?: (key?: string) => unknown }).corruptForTesting;
    if (typeof hook !== 'function') throw new RangeError('this state machine has no corruptForTesting hook');
    this.derivedAt = -1;
    return hook.call(this.app, key);
  }

  private run(command: unknown, entry: Entry): AppOutcome {
    const ctx = { index: entry.index, term: entry.term };
    if (this.onApplyError === 'halt') return { ok: true, value: synchronous(this.app.apply(command, ctx)) };
    try {
      return { ok: true, value: synchronous(this.app.apply(command, ctx)) };
    } catch (err) {
      return { ok: false, error: 'apply', message: errorMessage(err), index: entry.index };
    }
  }

  private putSession(clientId: string, seq: number, result: Uint8Array, lastIndex: number): void {
    const old = this.sessions.get(clientId);
    if (old !== undefined) {
      this.sessions.delete(clientId);
      this.removeDigest(old);
    }
    const [lo, hi] = recordHash(clientId, seq, lastIndex, result);
    this.sessions.set(clientId, { seq, result, lastIndex, lo, hi });
    this.digestLo = (this.digestLo + lo) >>> 0;
    this.digestHi = (this.digestHi + hi) >>> 0;
  }

  private removeDigest(r: SessionRecord): void {
    this.digestLo = (this.digestLo - r.lo) >>> 0;
    this.digestHi = (this.digestHi - r.hi) >>> 0;
  }
}

/** apply runs inside the log's order: a Promise would finish after later entries (and differently per replica). */
function synchronous(value: unknown): unknown {
  if (typeof (value as { then?: unknown } | null)?.then === 'function') {
    throw new Error('apply must be synchronous: it returned a Promise (do the async work before proposing)');
  }
  return value;
}

/** What a throw carries, the same on every replica (an Error's message, else its string form). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** Two independent FNV-1a lanes over a session record (client, seq, last use, packed result). */
function recordHash(clientId: string, seq: number, lastIndex: number, result: Uint8Array): [number, number] {
  let lo = 0x811c9dc5;
  let hi = 0x01000193 ^ 0x9e3779b9;
  const mix = (b: number) => {
    lo = Math.imul(lo ^ b, 0x01000193);
    hi = Math.imul(hi ^ b, 0x5bd1e995) ^ (hi >>> 13);
  };
  for (let i = 0; i < clientId.length; i++) {
    const c = clientId.charCodeAt(i);
    mix(c & 0xff);
    mix(c >>> 8);
  }
  for (const n of [seq, lastIndex]) {
    mix(0xfe);
    for (let k = 0, x = n; k < 7; k++, x = Math.floor(x / 256)) mix(x & 0xff);
  }
  mix(0xfd);
  for (let i = 0; i < result.length; i++) mix(result[i]);
  return [lo >>> 0, hi >>> 0];
}
