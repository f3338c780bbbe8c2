import { type ConfChange, type ConfState, type Entry, EntryType, encodeConfChange } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { checkConvergence, InvariantSuite, type LogView, type Violation } from '../src/invariants/index.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const entry = (index: number, term: number, data = `e${index}.${term}`): Entry => ({
  index,
  term,
  type: 0,
  data: bytes(data),
});

/** A log given as the list of its terms (index 1 first). */
function log(terms: number[]): LogView {
  return {
    firstIndex: () => 1,
    lastIndex: () => terms.length,
    term: (i) => {
      if (i === 0) return 0;
      if (i < 0 || i > terms.length) throw new RangeError(`no index ${i}`);
      return terms[i - 1];
    },
  };
}

const names = (s: InvariantSuite) => s.violations.map((v: Violation) => v.invariant);

describe('election safety', () => {
  it('allows one leader per term, including the same node again', () => {
    const s = new InvariantSuite();
    s.elections.onLeader('n1', 1, 0);
    s.elections.onLeader('n2', 2, 10);
    s.elections.onLeader('n2', 2, 20);
    expect(s.violations).toEqual([]);
    expect(s.elections.elections).toBe(2);
  });

  it('fires on a second leader in a term, even long after the first', () => {
    const s = new InvariantSuite();
    s.elections.onLeader('n1', 3, 0);
    s.elections.onLeader('n2', 4, 100);
    s.elections.onLeader('n3', 3, 5_000);
    expect(names(s)).toEqual(['electionSafety']);
    expect(s.violations[0].nodes).toEqual(['n1', 'n3']);
    expect(s.violations[0].time).toBe(5_000);
  });
});

describe('leader append-only and log matching', () => {
  it('accepts consistent logs written by several nodes', () => {
    const s = new InvariantSuite();
    s.logs.onAppend('n1', [entry(1, 1), entry(2, 1)], 0, 0, 1, 0);
    s.logs.onAppend('n2', [entry(1, 1)], 0, 0, null, 0);
    s.logs.onAppend('n2', [entry(2, 1), entry(3, 2)], 1, 1, null, 0);
    // A follower overwriting its own uncommitted tail is fine.
    s.logs.onAppend('n3', [entry(1, 1), entry(2, 1)], 0, 0, null, 0);
    s.logs.onAppend('n3', [entry(2, 3)], 1, 2, null, 0);
    expect(s.violations).toEqual([]);
  });

  it('fires when a leader overwrites its own log', () => {
    const s = new InvariantSuite();
    s.logs.onAppend('n1', [entry(1, 2), entry(2, 2)], 0, 0, 2, 0);
    s.logs.onAppend('n1', [entry(2, 2, 'other')], 2, 2, 2, 7);
    expect(names(s)).toEqual(['leaderAppendOnly']);
  });

  it('fires when the same (index, term) holds different data', () => {
    const s = new InvariantSuite();
    s.logs.onAppend('n1', [entry(1, 1, 'a')], 0, 0, null, 0);
    s.logs.onAppend('n2', [entry(1, 1, 'b')], 0, 0, null, 0);
    expect(names(s)).toEqual(['logMatching']);
    expect(s.violations[0].nodes).toEqual(['n1', 'n2']);
  });

  it('fires when the same (index, term) follows different predecessors', () => {
    const s = new InvariantSuite();
    s.logs.onAppend('n1', [entry(1, 1), entry(2, 3, 'x')], 0, 0, null, 0);
    s.logs.onAppend('n2', [entry(1, 2), entry(2, 3, 'x')], 0, 0, null, 0);
    expect(names(s)).toEqual(['logMatching']);
  });

  it('fires on decreasing terms within one log', () => {
    const s = new InvariantSuite();
    s.logs.onAppend('n1', [entry(1, 2), entry(2, 1)], 0, 0, null, 0);
    expect(names(s)).toEqual(['logMatching']);
  });
});

describe('commit safety', () => {
  it('tracks the committed prefix and leader completeness', () => {
    const s = new InvariantSuite();
    s.commits.onCommit('n1', 2, 1, log([1, 1]), 0);
    s.commits.onCommit('n2', 2, 1, log([1, 1, 1]), 0);
    s.commits.onLeader('n3', 2, log([1, 1, 2]), 0);
    expect(s.violations).toEqual([]);
    expect(s.commits.maxCommitted).toBe(2);
  });

  it('fires when the commit index goes back within one life', () => {
    const s = new InvariantSuite();
    s.commits.onCommit('n1', 3, 1, log([1, 1, 1]), 0);
    s.commits.onCommit('n1', 2, 1, log([1, 1, 1]), 5);
    expect(names(s)).toEqual(['commitMonotonic']);
  });

  it('after a restart requires at least the durable commit', () => {
    const ok = new InvariantSuite();
    ok.commits.onCommit('n1', 3, 1, log([1, 1, 1]), 0);
    ok.commits.onDurableCommit('n1', 2);
    ok.commits.onRestart('n1', 2, 10); // the unsynced commit 3 was lost: allowed
    expect(ok.violations).toEqual([]);
    const bad = new InvariantSuite();
    bad.commits.onDurableCommit('n1', 3);
    bad.commits.onRestart('n1', 1, 10);
    expect(names(bad)).toEqual(['commitMonotonic']);
  });

  it('fires when two nodes commit different terms at one index', () => {
    const s = new InvariantSuite();
    s.commits.onCommit('n1', 2, 2, log([1, 2]), 0);
    s.commits.onCommit('n2', 2, 3, log([1, 3]), 0);
    expect(names(s)).toEqual(['stateMachineSafety']);
  });

  it('fires when a commit index runs past the log', () => {
    const s = new InvariantSuite();
    s.commits.onCommit('n1', 3, 1, log([1, 1]), 0);
    expect(names(s)).toEqual(['commitMonotonic']);
  });

  it('fires when a node truncates below its commit index', () => {
    const s = new InvariantSuite();
    s.commits.onCommit('n1', 3, 1, log([1, 1, 1]), 0);
    s.commits.onTruncate('n1', 3, 0); // keeping everything committed is fine
    expect(s.violations).toEqual([]);
    s.commits.onTruncate('n1', 1, 0);
    expect(names(s)).toEqual(['stateMachineSafety']);
  });

  it('fires when a new leader lacks an entry committed in an earlier term (Figure 8)', () => {
    const s = new InvariantSuite();
    s.commits.onCommit('n1', 2, 4, log([1, 2]), 0); // (2, term 2) committed while n1 was in term 4
    s.commits.onLeader('n5', 5, log([1, 3]), 10); // n5 leads term 5 with (2, term 3)
    expect(names(s)).toEqual(['leaderCompleteness']);
  });

  it('does not require a leader of an earlier term to hold a later commit', () => {
    const s = new InvariantSuite();
    s.commits.onCommit('n1', 2, 6, log([1, 6]), 0);
    s.commits.onLeader('n2', 5, log([1, 5]), 10); // a slow candidate of term 5 winning late is legal
    expect(s.violations).toEqual([]);
  });

  it('checks current leaders when a commit is learnt after they were elected', () => {
    const s = new InvariantSuite();
    s.commits.onLeader('n2', 7, log([1, 5]), 0);
    s.commits.onCommit('n1', 2, 6, log([1, 6]), 10);
    expect(names(s)).toEqual(['leaderCompleteness']);
  });
});

describe('state machine safety', () => {
  it('accepts the same entries applied by several nodes, also again after a restart', () => {
    const s = new InvariantSuite();
    for (const n of ['n1', 'n2']) for (let i = 1; i <= 3; i++) s.stateMachines.onApply(n, entry(i, 1), 3, 0);
    s.stateMachines.onReset('n1', 0);
    for (let i = 1; i <= 3; i++) s.stateMachines.onApply('n1', entry(i, 1), 3, 0);
    expect(s.violations).toEqual([]);
  });

  it('fires when two nodes apply different entries at one index', () => {
    const s = new InvariantSuite();
    s.stateMachines.onApply('n1', entry(1, 1, 'x'), 1, 0);
    s.stateMachines.onApply('n2', entry(1, 1, 'y'), 1, 0);
    expect(names(s)).toEqual(['stateMachineSafety']);
  });

  it('fires on an apply beyond the commit index or out of order', () => {
    const a = new InvariantSuite();
    a.stateMachines.onApply('n1', entry(1, 1), 0, 0);
    expect(names(a)).toEqual(['stateMachineSafety']);
    const b = new InvariantSuite();
    b.stateMachines.onApply('n1', entry(2, 1), 5, 0);
    expect(names(b)).toEqual(['stateMachineSafety']);
  });
});

describe('acknowledged writes', () => {
  it('fires when an acknowledged write is missing at the end', () => {
    const s = new InvariantSuite();
    s.commits.onCommit('n1', 2, 1, log([1, 1]), 0);
    s.acks.onAck('n1', 2, 1, 'c1#1 put k0', 0);
    s.acks.finalCheck(
      [
        { id: 'n1', log: log([1, 1]), appliedIndex: 2 },
        { id: 'n2', log: log([1]), appliedIndex: 1 },
      ],
      100,
    );
    expect(names(s)).toEqual(['ackedWriteLost']);
    expect(s.violations[0].nodes).toEqual(['n2']);
  });

  it('fires when an acknowledgement disagrees with the committed prefix', () => {
    const s = new InvariantSuite();
    s.commits.onCommit('n1', 2, 2, log([1, 2]), 0);
    s.acks.onAck('n3', 2, 1, 'c1#4 cas k1', 5);
    expect(names(s)).toEqual(['ackedWriteLost']);
  });

  it('passes when every node holds and applied every acknowledged write', () => {
    const s = new InvariantSuite();
    s.commits.onCommit('n1', 2, 1, log([1, 1]), 0);
    s.acks.onAck('n1', 1, 1, 'a', 0);
    s.acks.onAck('n1', 2, 1, 'b', 0);
    s.acks.finalCheck(
      ['n1', 'n2', 'n3'].map((id) => ({ id, log: log([1, 1, 2]), appliedIndex: 3 })),
      100,
    );
    expect(s.violations).toEqual([]);
  });
});

describe('convergence', () => {
  const view = (id: string, appliedIndex: number, stateHash = 'h', up = true) => ({
    id,
    up,
    commitIndex: appliedIndex,
    appliedIndex,
    stateHash,
  });
  const run = (nodes: ReturnType<typeof view>[]) => {
    const out: Violation[] = [];
    checkConvergence(nodes, 0, (v) => out.push(v));
    return out.map((v) => v.nodes);
  };

  it('passes when all nodes agree', () => {
    expect(run([view('n1', 5), view('n2', 5), view('n3', 5)])).toEqual([]);
  });

  it('names nodes that are down, behind, or hold a different state', () => {
    expect(run([view('n1', 5), view('n2', 5, 'h', false)])).toEqual([['n2']]);
    expect(run([view('n1', 5), view('n2', 4)])).toEqual([['n2']]);
    expect(run([view('n1', 5, 'a'), view('n2', 5, 'b')])).toEqual([['n1', 'n2']]);
  });
});

describe('membership safety', () => {
  const initial = { voters: ['n1', 'n2', 'n3', 'n4'], learners: ['n5'] };
  const confEntry = (index: number, term: number, change: ConfChange, conf: ConfState): Entry => ({
    index,
    term,
    type: EntryType.ConfChange,
    data: encodeConfChange({ change, conf }),
  });

  it('only a voter of its configuration leads', () => {
    const s = new InvariantSuite(initial);
    s.membership.onLeader('n1', 1, initial, 0);
    expect(s.violations).toEqual([]);
    s.membership.onLeader('n5', 2, initial, 10);
    expect(names(s)).toEqual(['membershipSafety']);
    expect(s.violations[0].message).toMatch(/n5 became leader of term 2 but is not a voter/);
  });

  it('committed configurations form a chain of single changes; overlapping ones are caught', () => {
    const s = new InvariantSuite(initial);
    const c1 = { voters: ['n1', 'n2', 'n3', 'n4', 'n5'], learners: [] };
    s.membership.onApplyConfChange('n2', confEntry(10, 1, { type: 'promote', node: 'n5' }, c1), 0);
    s.membership.onApplyConfChange('n3', confEntry(10, 1, { type: 'promote', node: 'n5' }, c1), 1); // applied again elsewhere
    expect(s.violations).toEqual([]);
    expect(s.membership.committedConf).toEqual(c1);
    // A change decided against the configuration before C1 (the overlapping-changes bug).
    const c2 = { voters: ['n2', 'n3', 'n4'], learners: ['n5'] };
    s.membership.onApplyConfChange('n2', confEntry(12, 2, { type: 'remove', node: 'n1' }, c2), 5);
    expect(names(s)).toEqual(['membershipSafety']);
    expect(s.violations[0].message).toMatch(/two changes overlapped/);
    expect(s.violations[0].index).toBe(12);
  });

  it('a snapshot must carry the committed configuration at its index', () => {
    const s = new InvariantSuite(initial);
    const c1 = { voters: ['n1', 'n2', 'n3', 'n4', 'n5'], learners: [] };
    s.membership.onApplyConfChange('n1', confEntry(10, 1, { type: 'promote', node: 'n5' }, c1), 0);
    s.membership.onSnapshotConf('n1', 9, initial, 1);
    s.membership.onSnapshotConf('n1', 10, c1, 2);
    expect(s.violations).toEqual([]);
    s.membership.onSnapshotConf('n6', 5, { voters: ['n1', 'n2', 'n3'], learners: ['n6'] }, 3);
    expect(names(s)).toEqual(['membershipSafety']);
  });

  it('a leader commits only what a majority of the voters durably hold', () => {
    const s = new InvariantSuite(initial);
    const durable = new Set(['n1', 'n2']);
    s.membership.setDurableLookup((id) => durable.has(id));
    // 2 of 4 voters: not a majority of the configuration at the index, nor of the newest.
    s.membership.onLeaderCommit('n1', 7, 1, [initial, initial], 0);
    expect(names(s)).toEqual(['commitQuorum']);
    const t = new InvariantSuite(initial);
    t.membership.setDurableLookup((id) => durable.has(id));
    // Decided before a promote of n5 was appended: a majority of {n1,n2,n3} is enough.
    t.membership.onLeaderCommit('n1', 7, 1, [{ voters: ['n1', 'n2', 'n3'], learners: [] }, initial], 0);
    expect(t.violations).toEqual([]);
  });
});

describe('snapshot safety', () => {
  const state = (appliedIndex: number, hash: string) => ({ appliedIndex, hash: () => hash });

  it('a snapshot taken or restored must hold the state every replica had at its index', () => {
    const s = new InvariantSuite();
    s.snapshots.onApplied(5, state(5, 'h5'));
    s.snapshots.onApplied(5, state(5, 'other')); // only the first applier's hash is kept
    s.snapshots.onTaken('n1', 5, 'h5', 0);
    s.snapshots.onRestored('n2', 5, 5, 'h5', 1);
    expect(s.violations).toEqual([]);
    s.snapshots.onRestored('n3', 5, 5, 'hX', 2);
    expect(names(s)).toEqual(['snapshotSafety']);
    expect(s.violations[0]).toMatchObject({ nodes: ['n3'], index: 5 });
  });

  it('a restored state must say it applied the snapshot index', () => {
    const s = new InvariantSuite();
    s.snapshots.onRestored('n1', 8, 7, 'h', 0);
    expect(s.violations[0].message).toMatch(/whose state says it applied 7/);
  });
});
