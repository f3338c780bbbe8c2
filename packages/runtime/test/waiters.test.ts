import { describe, expect, it } from 'vitest';
import { fail, ProposalWaiters, ReadWaiters } from '../src/actor/waiters.js';
import type { ReadResult, Reply } from '../src/control/api.js';
import { fromWireError } from '../src/error-wire.js';
import {
  AppError,
  ConfChangePendingError,
  LeaderNotReadyError,
  LearnerNotCaughtUpError,
  NodeStoppedError,
} from '../src/errors.js';
import { entry } from './helpers.js';

function collector<T>() {
  const got: Reply<T>[] = [];
  return { got, resolve: (r: Reply<T>) => got.push(r) };
}

describe('ProposalWaiters', () => {
  it('resolves with the result only when the committed entry is applied', () => {
    const w = new ProposalWaiters('n1');
    const c = collector<unknown>();
    w.add(1, c.resolve);
    w.onOutcome({ id: 1, status: 'committed', index: 5, term: 2 });
    expect(c.got).toEqual([]);
    expect(w.pending).toBe(1);
    w.onApplied(entry(5, 2), 'result-5');
    expect(c.got).toEqual([{ ok: true, value: 'result-5' }]);
    expect(w.committed).toBe(1);
    expect(w.pending).toBe(0);
  });

  it('uses a result applied before the outcome arrived', () => {
    const w = new ProposalWaiters('n1');
    const c = collector<unknown>();
    w.add(7, c.resolve);
    w.onApplied(entry(3, 1), 'early');
    w.onOutcome({ id: 7, status: 'committed', index: 3, term: 1 });
    expect(c.got).toEqual([{ ok: true, value: 'early' }]);
  });

  it('refuses a result from a different entry at the same index', () => {
    const w = new ProposalWaiters('n1');
    const c = collector<unknown>();
    w.add(1, c.resolve);
    w.onOutcome({ id: 1, status: 'committed', index: 4, term: 2 });
    w.onApplied(entry(4, 3), 'someone else');
    expect(c.got[0]).toMatchObject({ ok: false, error: { code: 'DROPPED', reason: 'truncated' } });
  });

  it('maps drop reasons to typed errors: notLeader with its hint, termChanged as indeterminate', () => {
    const w = new ProposalWaiters('n1');
    const c = collector<unknown>();
    w.add(1, c.resolve);
    w.add(2, c.resolve);
    w.onOutcome({ id: 1, status: 'dropped', reason: 'notLeader', leaderHint: 'n3' });
    w.onOutcome({ id: 2, status: 'dropped', reason: 'termChanged', leaderHint: null });
    expect(c.got[0]).toMatchObject({
      ok: false,
      error: { code: 'NOT_LEADER', leaderHint: 'n3', nodeId: 'n1' },
    });
    expect(c.got[1]).toMatchObject({ ok: false, error: { code: 'DROPPED', indeterminate: true } });
    expect(w.dropped).toBe(2);
  });

  it('fails everything pending on stop', () => {
    const w = new ProposalWaiters('n1');
    const c = collector<unknown>();
    w.add(1, c.resolve);
    w.add(2, c.resolve);
    w.onOutcome({ id: 2, status: 'committed', index: 9, term: 1 });
    w.failAll(fail(new NodeStoppedError('n1')));
    expect(c.got.map((r) => (r.ok ? null : r.error.code))).toEqual(['NODE_STOPPED', 'NODE_STOPPED']);
    expect(w.pending).toBe(0);
  });
});

describe('ProposalWaiters and snapshots', () => {
  it('ends a committed proposal whose entry came inside a snapshot as indeterminate, never hanging', () => {
    const w = new ProposalWaiters('n1');
    const before = collector<unknown>();
    const after = collector<unknown>();
    const later = collector<unknown>();
    w.add(1, before.resolve);
    w.add(2, after.resolve);
    w.add(3, later.resolve);
    w.onOutcome({ id: 1, status: 'committed', index: 5, term: 2 }, 0);
    // A leader's snapshot up to 8 replaced the state: entry 5 is never applied one by one.
    w.onSnapshot(8);
    // The outcome of another entry inside the snapshot arrives after it.
    w.onOutcome({ id: 2, status: 'committed', index: 7, term: 2 }, 8);
    w.onOutcome({ id: 3, status: 'committed', index: 9, term: 2 }, 8);
    for (const c of [before, after]) {
      expect(c.got).toHaveLength(1);
      const r = c.got[0];
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(fromWireError(r.error)).toMatchObject({ reason: 'coveredBySnapshot', indeterminate: true });
    }
    expect(later.got).toEqual([]);
    w.onApplied(entry(9, 2), 'r9');
    expect(later.got).toEqual([{ ok: true, value: 'r9' }]);
    expect(w.pending).toBe(0);
  });

  it('maps membership refusals to their typed errors', () => {
    const w = new ProposalWaiters('n1');
    const got: Error[] = [];
    for (const [id, reason] of [
      [1, 'confChangePending'],
      [2, 'learnerNotCaughtUp'],
      [3, 'leaderNotReady'],
    ] as const) {
      w.add(id, (r) => {
        if (!r.ok) got.push(fromWireError(r.error));
      });
      w.onOutcome({ id, status: 'dropped', reason, leaderHint: 'n2' });
    }
    expect(got[0]).toBeInstanceOf(ConfChangePendingError);
    expect(got[1]).toBeInstanceOf(LearnerNotCaughtUpError);
    expect(got[2]).toBeInstanceOf(LeaderNotReadyError);
    expect(got.map((e) => (e as ConfChangePendingError).leaderHint)).toEqual(['n2', 'n2', 'n2']);
  });
});

describe('ReadWaiters', () => {
  it('serves a confirmed read once its index is applied, and drops refused ones', () => {
    const w = new ReadWaiters('n1');
    const c = collector<ReadResult>();
    w.add(1, { key: 'k' }, c.resolve);
    w.add(2, { key: 'k' }, c.resolve);
    w.onReadStates([
      { ctx: 1, status: 'ready', index: 10, mode: 'readIndex' },
      { ctx: 2, status: 'dropped', reason: 'notLeader', leaderHint: 'n2' },
    ]);
    expect(c.got).toHaveLength(1);
    w.serve(9, () => 'old');
    expect(c.got).toHaveLength(1);
    w.serve(10, () => 'v');
    expect(c.got[1]).toEqual({ ok: true, value: { value: 'v', index: 10, mode: 'readIndex' } });
    expect(w).toMatchObject({ served: 1, dropped: 1, pending: 0 });
  });

  it('answers a read whose query throws with that error, and serves the others', () => {
    const w = new ReadWaiters('n1');
    const c = collector<ReadResult>();
    w.add(1, { query: 'bad' }, c.resolve);
    w.add(2, { query: 'good' }, c.resolve);
    w.onReadStates([
      { ctx: 1, status: 'ready', index: 3, mode: 'readIndex' },
      { ctx: 2, status: 'ready', index: 3, mode: 'readIndex' },
    ]);
    w.serve(3, (req) => {
      if ('query' in req && req.query === 'bad') throw new AppError('no such account', null);
      return 7;
    });
    expect(c.got[0]).toMatchObject({ ok: false, error: { code: 'APP_ERROR', message: 'no such account' } });
    expect(c.got[1]).toEqual({ ok: true, value: { value: 7, index: 3, mode: 'readIndex' } });
  });
});
