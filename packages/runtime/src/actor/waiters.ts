import type { DropReason, Entry, NodeId, ProposalOutcome, ReadMode, ReadState } from '@raftkit/core';
import type { ReadResult, Reply } from '../control/api.js';
import { toWireError } from '../error-wire.js';
import {
  ConfChangePendingError,
  LeaderNotReadyError,
  LearnerNotCaughtUpError,
  NotLeaderError,
  ProposalDroppedError,
  QuarantinedError,
  TooLargeError,
} from '../errors.js';

export type Resolve<T> = (r: Reply<T>) => void;

export function ok<T>(value: T): Reply<T> {
  return { ok: true, value };
}

export function fail(err: unknown): Reply<never> {
  return { ok: false, error: toWireError(err) };
}

/** Map a core drop reason to the runtime's typed error. */
export function dropError(self: NodeId, reason: DropReason, leaderHint: NodeId | null): Error {
  switch (reason) {
    case 'notLeader':
      return new NotLeaderError(self, leaderHint);
    case 'termChanged':
      // Appended but not known committed: it may still commit under a new leader.
      return new ProposalDroppedError(reason, true, leaderHint);
    // Membership changes refused before anything was appended.
    case 'confChangePending':
      return new ConfChangePendingError(leaderHint);
    case 'learnerNotCaughtUp':
      return new LearnerNotCaughtUpError(leaderHint);
    case 'leaderNotReady':
      return new LeaderNotReadyError(leaderHint);
    case 'quarantined':
      // A read refused by (or forwarded to) a node whose state may be diverged.
      return new QuarantinedError(self, leaderHint);
    case 'tooLarge':
      return new TooLargeError(null, null, 'the proposal is above the maximum proposal size: refused');
    default:
      // truncated / transferring / timeout: definitely not applied.
      return new ProposalDroppedError(reason, false, leaderHint);
  }
}

/** A committed proposal whose entry reached the state machine inside a snapshot: it took effect, result unknown. */
function coveredBySnapshot(index: number): ProposalDroppedError {
  return new ProposalDroppedError(
    'coveredBySnapshot',
    true,
    null,
    `proposal committed at ${index} was applied through a snapshot; its result is unknown here (retry with the same session)`,
  );
}

/** Results of entries applied before their proposal's outcome arrived; kept briefly. */
const RECENT_RESULTS = 4096;

/**
 * Proposals waiting for their outcome, then for their entry to be applied
 * locally. A proposal resolves with the state machine's result only when the
 * entry it was committed as (index AND term) is applied here.
 */
export class ProposalWaiters {
  private readonly byId = new Map<number, Resolve<unknown>>();
  private readonly byIndex = new Map<number, { term: number; resolve: Resolve<unknown> }>();
  private readonly recent = new Map<number, { term: number; result: unknown }>();
  committed = 0;
  dropped = 0;

  constructor(private readonly self: NodeId) {}

  get pending(): number {
    return this.byId.size + this.byIndex.size;
  }

  add(id: number, resolve: Resolve<unknown>): void {
    this.byId.set(id, resolve);
  }

  /** `appliedIndex`: what the state machine has applied (entries at or below it are not applied again). */
  onOutcome(o: ProposalOutcome, appliedIndex = 0): void {
    const resolve = this.byId.get(o.id);
    if (!resolve) return;
    this.byId.delete(o.id);
    if (o.status === 'dropped') {
      this.dropped++;
      resolve(fail(dropError(this.self, o.reason, o.leaderHint)));
      return;
    }
    const early = this.recent.get(o.index);
    if (early && early.term === o.term) {
      this.committed++;
      resolve(ok(early.result));
    } else if (o.index <= appliedIndex) {
      // Applied already, but not one by one here (a snapshot covered it): the result is unknown.
      this.dropped++;
      resolve(fail(coveredBySnapshot(o.index)));
    } else {
      this.byIndex.set(o.index, { term: o.term, resolve });
    }
  }

  onApplied(e: Entry, result: unknown): void {
    const waiter = this.byIndex.get(e.index);
    if (waiter) {
      this.byIndex.delete(e.index);
      if (waiter.term === e.term) {
        this.committed++;
        waiter.resolve(ok(result));
      } else {
        this.dropped++;
        waiter.resolve(fail(new ProposalDroppedError('truncated', false, null)));
      }
    } else if (this.byId.size > 0) {
      this.recent.set(e.index, { term: e.term, result });
      if (this.recent.size > RECENT_RESULTS) this.recent.delete(this.recent.keys().next().value as number);
    }
  }

  /**
   * A leader's snapshot up to `index` replaced the state machine: entries up
   * to it will never be applied one by one here. A proposal committed at such
   * an index took effect, but its result was not observed: it ends
   * indeterminate (a retry with the same session returns the result).
   */
  onSnapshot(index: number): void {
    for (const [i, w] of this.byIndex) {
      if (i > index) continue;
      this.byIndex.delete(i);
      this.dropped++;
      w.resolve(fail(coveredBySnapshot(i)));
    }
    for (const i of [...this.recent.keys()]) if (i <= index) this.recent.delete(i);
  }

  failAll(reply: Reply<never>): void {
    for (const r of this.byId.values()) r(reply);
    for (const p of this.byIndex.values()) p.resolve(reply);
    this.byId.clear();
    this.byIndex.clear();
    this.recent.clear();
  }
}

/** What a read asks the state machine: a KV key (`read`) or an app query (`query`). */
export type ReadRequest = { readonly key: string } | { readonly query: unknown };

/** Reads waiting for their read index to be confirmed, then for the local state machine to reach it. */
export class ReadWaiters {
  private readonly byCtx = new Map<number, { req: ReadRequest; resolve: Resolve<ReadResult> }>();
  private awaitingApply: { index: number; mode: ReadMode; req: ReadRequest; resolve: Resolve<ReadResult> }[] =
    [];
  served = 0;
  dropped = 0;

  constructor(private readonly self: NodeId) {}

  get pending(): number {
    return this.byCtx.size + this.awaitingApply.length;
  }

  add(ctx: number, req: ReadRequest, resolve: Resolve<ReadResult>): void {
    this.byCtx.set(ctx, { req, resolve });
  }

  onReadStates(states: readonly ReadState[]): void {
    for (const rs of states) {
      const w = this.byCtx.get(rs.ctx);
      if (!w) continue;
      this.byCtx.delete(rs.ctx);
      if (rs.status === 'dropped') {
        this.dropped++;
        w.resolve(fail(dropError(this.self, rs.reason, rs.leaderHint)));
      } else {
        this.awaitingApply.push({ index: rs.index, mode: rs.mode, req: w.req, resolve: w.resolve });
      }
    }
  }

  /** Answer every confirmed read whose index is applied with `run` (a throw answers that read with the error). */
  serve(applied: number, run: (req: ReadRequest) => unknown): void {
    if (this.awaitingApply.length === 0) return;
    const waiting: typeof this.awaitingApply = [];
    for (const r of this.awaitingApply) {
      if (r.index <= applied) {
        this.served++;
        let value: unknown;
        try {
          value = run(r.req);
        } catch (err) {
          r.resolve(fail(err));
          continue;
        }
        r.resolve(ok({ value, index: applied, mode: r.mode }));
      } else waiting.push(r);
    }
    this.awaitingApply = waiting;
  }

  failAll(reply: Reply<never>): void {
    for (const r of this.byCtx.values()) r.resolve(reply);
    for (const r of this.awaitingApply) r.resolve(reply);
    this.byCtx.clear();
    this.awaitingApply = [];
  }
}
