import { randomUUID } from 'node:crypto';
import { encodeKvRequest, type KvCommand, type KvResult, type NodeId } from '@raftkit/core';
import { backoffDelay, sleep } from '../backoff.js';
import type { ReadConsistency, ReadResult } from '../control/api.js';
import {
  AppError,
  ClusterClosedError,
  InvalidRequestError,
  NodeStoppedError,
  NotLeaderError,
  ProposalDroppedError,
  RuntimeError,
  TimeoutError,
} from '../errors.js';
import type { CommandOf, QueryOf, QueryResultOf, ResultOf } from '../machine/app-machine.js';
import { type AppOutcome, encodeAppRequest } from '../machine/app-request.js';

/** What a client needs from a cluster (in-process here; @raftkit/net provides one over TCP). */
export interface ClientTarget {
  readonly ids: readonly NodeId[];
  readonly closed: boolean;
  node(id: NodeId): {
    propose(data: Uint8Array): Promise<unknown>;
    read(key: string, consistency: ReadConsistency): Promise<ReadResult>;
    query(query: unknown, consistency: ReadConsistency): Promise<ReadResult>;
  };
  /** Best current guess of the leader, if any. */
  leaderHint(): NodeId | null;
}

export interface ClientOptions {
  /** Talk to this node only: no redirects, no retries elsewhere (shows what a minority node can serve). */
  readonly via?: NodeId;
  /** Deadline of one operation including retries. Default 10 s. */
  readonly timeoutMs?: number;
  /** Deadline of a first attempt on one node before trying again (same session); doubles per timed-out attempt. Default 2 s. */
  readonly attemptTimeoutMs?: number;
  /** First retry delay; doubles per retry up to retryMaxMs, with jitter. Default 20 ms. */
  readonly retryBaseMs?: number;
  /** Cap of the retry delay. Default 500 ms. */
  readonly retryMaxMs?: number;
  /** Session id (exactly-once writes). Default: a random UUID. */
  readonly clientId?: string;
  /** First node to try (redirects are followed from there). Default: the cluster's leader hint, else a random node. */
  readonly initialNode?: NodeId;
}

/** What a client did, for tests and tools. */
export interface ClientStats {
  readonly ops: number;
  /** Attempts repeated (same session) after an error. */
  readonly retries: number;
  /** NotLeader hints followed. */
  readonly redirects: number;
}

export interface GetOptions {
  /** Default 'linearizable'. */
  readonly consistency?: ReadConsistency;
}

export interface QueryOptions extends GetOptions {
  /** Deadline of this query including retries. Default: the client's timeoutMs. */
  readonly timeoutMs?: number;
}

export interface CommandOptions {
  /** Deadline of this command including retries. Default: the client's timeoutMs. */
  readonly timeoutMs?: number;
}

/**
 * A client of a cluster: `command` / `query` for an app state machine (typed
 * by `M`, the machine's factory type: `cluster.client<typeof ledger>()`), and
 * put / get / cas / delete / append, the KV store's shorthand.
 *
 * Writes and commands carry a client session (clientId, seq): one retried after a
 * timeout or a leader change is applied exactly once, and its retry returns
 * the first result. Operations of one client run one at a time (the session
 * remembers one outstanding request, as in the Raft thesis §6.3); use several
 * clients for concurrency.
 *
 * Follows `NotLeaderError` hints, otherwise tries the other nodes, with
 * capped exponential backoff and jitter. Errors: NotLeaderError (pinned
 * client), TimeoutError (outcome unknown), ClusterClosedError, AppError (the
 * machine's apply or query threw; nothing changed).
 */
export class RaftClient<M = unknown> {
  readonly clientId: string;
  private seq = 0;
  private target: NodeId | null;
  private queue: Promise<unknown> = Promise.resolve();
  private isClosed = false;
  private counts = { ops: 0, retries: 0, redirects: 0 };
  private readonly timeoutMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  constructor(
    private readonly cluster: ClientTarget,
    private readonly opts: ClientOptions = {},
  ) {
    this.clientId = opts.clientId ?? randomUUID();
    this.target = opts.via ?? opts.initialNode ?? null;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.attemptTimeoutMs = opts.attemptTimeoutMs ?? 2000;
    this.retryBaseMs = opts.retryBaseMs ?? 20;
    this.retryMaxMs = opts.retryMaxMs ?? 500;
  }

  async put(key: string, value: string): Promise<void> {
    await this.write({ op: 'put', key: str(key, 'key'), value: str(value, 'value') });
  }

  /** Resolves `true` when it swapped, `false` when the current value differed. `expected: null` = absent. */
  async cas(key: string, expected: string | null, value: string): Promise<boolean> {
    const exp = expected === null ? null : str(expected, 'expected');
    const r = await this.write({
      op: 'cas',
      key: str(key, 'key'),
      expected: exp,
      value: str(value, 'value'),
    });
    return r.op === 'cas' && r.swapped;
  }

  async delete(key: string): Promise<void> {
    await this.write({ op: 'delete', key: str(key, 'key') });
  }

  async append(key: string, suffix: string): Promise<void> {
    await this.write({ op: 'append', key: str(key, 'key'), value: str(suffix, 'suffix') });
  }

  /** Exactly the stored value, or undefined when the key is absent. */
  async get(key: string, opts: GetOptions = {}): Promise<string | undefined> {
    const consistency = opts.consistency ?? 'linearizable';
    const k = str(key, 'key');
    return this.serial(() =>
      this.attempt(
        (node) => this.cluster.node(node).read(k, consistency),
        consistency === 'stale' ? 'any' : 'leader',
      ).then((r) => r.value as string | undefined),
    );
  }

  /**
   * Propose an app command (a msgpack value: plain objects, strings, numbers,
   * bigints, Uint8Arrays) and resolve with what the machine's `apply`
   * returned. Applied exactly once even when retried (same session). A throw
   * in `apply` rejects with AppError carrying its message.
   */
  command(cmd: CommandOf<M>, opts: CommandOptions = {}): Promise<ResultOf<M>> {
    return this.serial(async () => {
      const data = encodeAppRequest(cmd, { clientId: this.clientId, seq: ++this.seq });
      const outcome = (await this.attempt(
        (node) => this.cluster.node(node).propose(data),
        'leader',
        opts.timeoutMs,
      )) as AppOutcome;
      if (outcome.ok) return outcome.value as ResultOf<M>;
      if (outcome.error === 'apply') throw new AppError(outcome.message, outcome.index);
      if (outcome.error === 'badRequest') throw new InvalidRequestError(outcome.message);
      throw new RuntimeError('SESSION', outcome.message);
    });
  }

  /** Run the machine's read-only `query(q)`: linearizable by default (ReadIndex), or 'lease' / 'stale'. */
  query(q: QueryOf<M>, opts: QueryOptions = {}): Promise<QueryResultOf<M>> {
    const consistency = opts.consistency ?? 'linearizable';
    return this.serial(() =>
      this.attempt(
        (node) => this.cluster.node(node).query(q, consistency),
        consistency === 'stale' ? 'any' : 'leader',
        opts.timeoutMs,
      ).then((r) => r.value as QueryResultOf<M>),
    );
  }

  get stats(): ClientStats {
    return { ...this.counts };
  }

  /** Stop: queued and later operations reject with ClusterClosedError. */
  close(): void {
    this.isClosed = true;
  }

  private write(cmd: KvCommand): Promise<Extract<KvResult, { ok: true }>> {
    return this.serial(async () => {
      const seq = ++this.seq;
      const data = encodeKvRequest({ cmd, session: { clientId: this.clientId, seq } });
      const result = (await this.attempt(
        (node) => this.cluster.node(node).propose(data),
        'leader',
      )) as KvResult;
      if (!result.ok) {
        if (result.error === 'badRequest') throw new InvalidRequestError(result.message);
        throw new RuntimeError('SESSION', result.message);
      }
      return result;
    });
  }

  /** Run operations of this client one at a time (one outstanding request per session). */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Try `call` on the leader (or any node) until it succeeds, the operation
   * deadline passes (TimeoutError) or an error that retrying cannot fix.
   */
  private async attempt<T>(
    call: (node: NodeId) => Promise<T>,
    want: 'leader' | 'any',
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    const pinned = this.opts.via;
    this.counts.ops++;
    let retries = 0;
    let timeouts = 0;
    let last: unknown = null;
    for (;;) {
      if (this.isClosed || this.cluster.closed) throw new ClusterClosedError();
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new TimeoutError(
          `operation did not complete within ${timeoutMs} ms (outcome unknown)` +
            (last instanceof Error ? `; last error: ${last.message}` : ''),
        );
      }
      const node = pinned ?? this.pickTarget(want);
      try {
        // Each retry waits longer for an answer, so a slow but working cluster is not
        // retried forever; the session makes the repeated proposals harmless.
        const attemptMs = Math.min(
          backoffDelay(timeouts, this.attemptTimeoutMs, this.attemptTimeoutMs * 1024, Math.random, 0),
          left,
        );
        const r = await withTimeout(call(node), attemptMs, node);
        this.target = node;
        return r;
      } catch (err) {
        last = err;
        if (err instanceof TimeoutError) timeouts++;
        if (this.cluster.closed || err instanceof ClusterClosedError) throw new ClusterClosedError();
        if (pinned !== undefined || !retriable(err)) throw err;
        const hint =
          err instanceof NotLeaderError || err instanceof ProposalDroppedError ? err.leaderHint : null;
        this.counts.retries++;
        if (hint && hint !== node) this.counts.redirects++;
        if (hint && hint !== node && err instanceof NotLeaderError && retries === 0) {
          // A fresh redirect: follow it at once.
          this.target = hint;
          retries++;
          continue;
        }
        this.target = hint && hint !== node ? hint : this.otherThan(node);
        await sleep(
          Math.min(backoffDelay(retries++, this.retryBaseMs, this.retryMaxMs), deadline - performance.now()),
        );
      }
    }
  }

  private pickTarget(want: 'leader' | 'any'): NodeId {
    if (this.target) return this.target;
    const hint = want === 'leader' ? this.cluster.leaderHint() : null;
    this.target = hint ?? this.cluster.ids[Math.floor(Math.random() * this.cluster.ids.length)];
    return this.target;
  }

  private otherThan(node: NodeId): NodeId {
    const hint = this.cluster.leaderHint();
    if (hint && hint !== node) return hint;
    const others = this.cluster.ids.filter((id) => id !== node);
    return others.length > 0 ? others[Math.floor(Math.random() * others.length)] : node;
  }
}

function retriable(err: unknown): boolean {
  return (
    err instanceof NotLeaderError ||
    err instanceof NodeStoppedError ||
    err instanceof TimeoutError ||
    (err instanceof ProposalDroppedError && err.reason !== 'tooLarge')
  );
}

function withTimeout<T>(p: Promise<T>, ms: number, node: NodeId): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(
      () => reject(new TimeoutError(`node ${node} did not answer within ${Math.round(ms)} ms`)),
      ms,
    );
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

function str(v: unknown, name: string): string {
  if (typeof v !== 'string') throw new InvalidRequestError(`${name} must be a string`);
  return v;
}
