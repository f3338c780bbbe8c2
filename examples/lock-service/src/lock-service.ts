/**
 * A lock service with leases and fencing tokens, as a raftkit app state
 * machine (after Chubby and Kleppmann's "How to do distributed locking").
 *
 * Time is the log: a lease lasts `ttl` entries of the replicated log, counted
 * from the entry that granted or renewed it (`ctx.index`). No replica reads a
 * clock, so every replica agrees on exactly when a lease ends. A client that
 * wants wall-clock leases keeps the log moving (any command advances it) or
 * renews in time.
 *
 * Each grant carries a fencing token, larger than every token granted before
 * for that lock. A resource guarded by the lock (here: `write` to a named
 * resource inside the same machine) refuses a token older than the newest one
 * it has seen, so a holder that lost its lease (paused, partitioned) cannot
 * clobber the work of the next holder.
 */
import { type ApplyContext, defineStateMachine } from '@raftkit/runtime';

export type LockCommand =
  /** Take `lock` for `ttl` log entries if it is free or its lease ended. */
  | { readonly type: 'acquire'; readonly lock: string; readonly owner: string; readonly ttl: number }
  /** Extend the holder's lease by `ttl` entries from now; the token must be the current one. */
  | {
      readonly type: 'renew';
      readonly lock: string;
      readonly owner: string;
      readonly token: number;
      readonly ttl: number;
    }
  | { readonly type: 'release'; readonly lock: string; readonly owner: string; readonly token: number }
  /** A write to a fenced resource: refused unless `token` is at least the newest it has accepted. */
  | { readonly type: 'write'; readonly resource: string; readonly token: number; readonly data: string };

export type LockQuery =
  | { readonly type: 'lock'; readonly lock: string }
  | { readonly type: 'resource'; readonly resource: string };

export interface Grant {
  readonly token: number;
  /** The lease ends once the log reaches this index. */
  readonly expiresAt: number;
}

export interface LockInfo {
  readonly owner: string | null;
  readonly token: number;
  readonly expiresAt: number;
}

interface Lock {
  owner: string | null;
  token: number;
  expiresAt: number;
}

interface Resource {
  token: number;
  data: string;
}

export interface LockServiceOptions {
  /** Longest lease one command may ask for (log entries). Default 10_000. */
  readonly maxTtl?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const createLockService = defineStateMachine((options: LockServiceOptions = {}) => {
  const maxTtl = options.maxTtl ?? 10_000;
  let locks = new Map<string, Lock>();
  let resources = new Map<string, Resource>();
  /** The index of the last applied command: "now" for queries. */
  let now = 0;

  const checkTtl = (ttl: number) => {
    if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > maxTtl) {
      throw new Error(`ttl must be an integer in [1, ${maxTtl}] log entries, got ${ttl}`);
    }
  };
  /** The lock if `owner` holds it with `token` and its lease has not ended at `index`. */
  const held = (name: string, owner: string, token: number, index: number): Lock => {
    const l = locks.get(name);
    if (!l || l.owner !== owner || l.token !== token)
      throw new Error(`${owner} does not hold ${name} with token ${token}`);
    if (index >= l.expiresAt) throw new Error(`the lease of ${owner} on ${name} ended at ${l.expiresAt}`);
    return l;
  };

  const run = (cmd: LockCommand, ctx: ApplyContext): Grant | { readonly written: number } | null => {
    switch (cmd.type) {
      case 'acquire': {
        checkTtl(cmd.ttl);
        const l = locks.get(cmd.lock);
        if (l && l.owner !== null && ctx.index < l.expiresAt) {
          throw new Error(`${cmd.lock} is held by ${l.owner} until ${l.expiresAt}`);
        }
        const token = (l?.token ?? 0) + 1;
        const next = { owner: cmd.owner, token, expiresAt: ctx.index + cmd.ttl };
        locks.set(cmd.lock, next);
        return { token, expiresAt: next.expiresAt };
      }
      case 'renew': {
        checkTtl(cmd.ttl);
        const l = held(cmd.lock, cmd.owner, cmd.token, ctx.index);
        l.expiresAt = ctx.index + cmd.ttl;
        return { token: l.token, expiresAt: l.expiresAt };
      }
      case 'release': {
        const l = held(cmd.lock, cmd.owner, cmd.token, ctx.index);
        l.owner = null;
        l.expiresAt = ctx.index;
        return null;
      }
      case 'write': {
        const r = resources.get(cmd.resource);
        if (!Number.isSafeInteger(cmd.token) || cmd.token < 1)
          throw new Error('a write needs a fencing token');
        if (r && cmd.token < r.token) {
          throw new Error(`stale fencing token ${cmd.token}: ${cmd.resource} has seen ${r.token}`);
        }
        resources.set(cmd.resource, { token: cmd.token, data: cmd.data });
        return { written: cmd.token };
      }
      default:
        throw new Error(`unknown command ${JSON.stringify(cmd)}`);
    }
  };

  return {
    apply(cmd: LockCommand, ctx: ApplyContext): Grant | { readonly written: number } | null {
      const result = run(cmd, ctx);
      // Only a command that succeeded changes anything (a throw above left the state as it was).
      now = ctx.index;
      return result;
    },

    query(q: LockQuery): LockInfo | Resource | null {
      switch (q.type) {
        case 'lock': {
          const l = locks.get(q.lock);
          if (!l) return null;
          // A lease that ended reads as free (as of the last applied entry).
          const owner = now < l.expiresAt ? l.owner : null;
          return { owner, token: l.token, expiresAt: l.expiresAt };
        }
        case 'resource':
          return resources.get(q.resource) ?? null;
        default:
          throw new Error(`unknown query ${JSON.stringify(q)}`);
      }
    },

    snapshot(): Uint8Array {
      return encoder.encode(JSON.stringify({ locks: [...locks], resources: [...resources], now }));
    },

    restore(bytes: Uint8Array): void {
      const s = JSON.parse(decoder.decode(bytes));
      locks = new Map(s.locks);
      resources = new Map(s.resources);
      now = s.now;
    },

    /** Cheap enough for every checkpoint: FNV-1a over the state's JSON (Map order is log order, the same everywhere). */
    hash(): string {
      let h = 0x811c9dc5;
      const text = JSON.stringify({ locks: [...locks], resources: [...resources], now });
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
      return h.toString(16).padStart(8, '0');
    },
  };
});

export default createLockService;
