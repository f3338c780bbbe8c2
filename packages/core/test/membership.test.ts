/**
 * Single-server membership changes (Raft thesis ch. 4) through the public
 * API: learners that catch up before they count, promote/remove, one change
 * at a time, the current-term-commit rule, a leader removing itself, a
 * removed node that keeps campaigning, and configurations that follow the
 * log (on append, rolled back with a truncated suffix, rebuilt on restart).
 */
import {
  decodeConfChange,
  EntryType,
  InvalidArgumentError,
  type ProposalOutcome,
  type RoleTransition,
} from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { append, appendResp, bytes, entry, ofType } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { makeLeader, makeNode } from './helpers/single.js';

function outcome(c: Cluster, id: string, pid: number): ProposalOutcome | undefined {
  return c.n(id).outcomes.find((o) => o.id === pid);
}

function confEverywhere(c: Cluster, ids: readonly string[]) {
  return ids.map((id) => c.raft(id).status().conf);
}

/** Leader '1' of a 3-node cluster that compacted its log, and a new node '4' waiting to be added. */
function withNewNode() {
  const c = new Cluster(['1', '2', '3']);
  c.elect('1');
  for (let i = 0; i < 10; i++) c.propose('1', bytes(`v${i}`));
  c.stabilize();
  c.takeSnapshot('1');
  c.addNode('4', { voters: ['1', '2', '3'], learners: [] });
  return c;
}

describe('learners', () => {
  it('a learner catches up (from a snapshot when the log was compacted) and is then promoted', () => {
    const c = withNewNode();
    const add = c.raft('1').addLearner('4');
    c.ticks(3);
    expect(outcome(c, '1', add)).toMatchObject({ status: 'committed' });
    expect(confEverywhere(c, ['1', '2', '3', '4'])).toEqual(
      Array(4).fill({ voters: ['1', '2', '3'], learners: ['4'] }),
    );
    const learner = c.n('4');
    expect(learner.restored).toHaveLength(1); // the leader had compacted: '4' started from the snapshot
    expect(learner.state).toEqual(c.n('1').state);
    expect(
      c
        .raft('1')
        .status()
        .progress.find((p) => p.id === '4'),
    ).toMatchObject({
      isLearner: true,
      state: 'replicate',
    });
    const pro = c.raft('1').promote('4');
    c.ticks(3);
    expect(outcome(c, '1', pro)).toMatchObject({ status: 'committed' });
    expect(confEverywhere(c, ['1', '2', '3', '4'])).toEqual(
      Array(4).fill({ voters: ['1', '2', '3', '4'], learners: [] }),
    );
    expect(
      c
        .raft('1')
        .status()
        .progress.find((p) => p.id === '4')?.isLearner,
    ).toBe(false);
  });

  it('a learner never campaigns and its acknowledgements do not count towards commit', () => {
    const c = new Cluster(['1', '2'], { learners: ['3'] });
    c.elect('1');
    c.ticks(2);
    c.isolate('2'); // the only other voter is gone: the learner alone cannot make a majority
    const pid = c.propose('1', bytes('needs-2'));
    c.ticks(3, ['1', '3']);
    expect(c.raft('3').status().lastIndex).toBe(c.raft('1').status().lastIndex); // replicated to the learner
    expect(outcome(c, '1', pid)).toBeUndefined();
    expect(c.raft('1').status().commitIndex).toBeLessThan(c.raft('1').status().lastIndex);
    c.isolate('3');
    c.ticks(60, ['3']);
    expect(c.n('3').transitions.filter((t) => t.to !== 'follower')).toEqual([]);
  });

  it('once promoted, the former learner counts: with it, the leader has a majority again', () => {
    const c = new Cluster(['1', '2'], { learners: ['3'] });
    c.elect('1');
    c.ticks(2);
    const pro = c.raft('1').promote('3');
    c.ticks(2);
    expect(outcome(c, '1', pro)).toMatchObject({ status: 'committed' });
    c.isolate('2');
    const pid = c.propose('1', bytes('with-3'));
    c.ticks(2, ['1', '3']);
    expect(outcome(c, '1', pid)).toMatchObject({ status: 'committed' });
  });

  it("promote of a learner that has not caught up is dropped 'learnerNotCaughtUp'; later it succeeds", () => {
    const c = withNewNode();
    c.isolate('4');
    c.raft('1').addLearner('4');
    c.ticks(2, ['1', '2', '3']);
    const early = c.raft('1').promote('4');
    c.processAll();
    expect(outcome(c, '1', early)).toEqual({
      id: early,
      status: 'dropped',
      reason: 'learnerNotCaughtUp',
      leaderHint: '1',
    });
    expect(c.raft('1').status().conf.learners).toEqual(['4']); // nothing was appended
    c.heal();
    c.ticks(4);
    const later = c.raft('1').promote('4');
    c.ticks(2);
    expect(outcome(c, '1', later)).toMatchObject({ status: 'committed' });
  });

  it('promoteMaxLag lets a learner a few entries behind the commit index be promoted', () => {
    const c = new Cluster(['1', '2', '3'], { learners: ['4'], config: { promoteMaxLag: 5 } });
    c.elect('1');
    c.ticks(2);
    c.isolate('4');
    for (let i = 0; i < 3; i++) c.propose('1', bytes(`p${i}`));
    c.stabilize();
    const pr4 = c
      .raft('1')
      .status()
      .progress.find((p) => p.id === '4');
    expect(pr4?.match).toBeLessThan(c.raft('1').status().commitIndex);
    const pid = c.raft('1').promote('4');
    c.processAll();
    expect(c.n('1').outcomes.find((o) => o.id === pid && o.status === 'dropped')).toBeUndefined();
    expect(c.raft('1').status().conf.voters).toContain('4');
  });
});

describe('one change at a time and the current-term-commit rule', () => {
  it("a change proposed while another is uncommitted is dropped 'confChangePending'", () => {
    const c = withNewNode();
    c.partition(['1'], ['2', '3', '4']);
    const first = c.raft('1').addLearner('4');
    const pending = c.raft('1').status().pendingConfIndex;
    expect(pending).toBe(c.raft('1').status().lastIndex);
    const second = c.raft('1').removeNode('3');
    const normal = c.propose('1', bytes('still accepted'));
    c.processAll();
    expect(outcome(c, '1', second)).toEqual({
      id: second,
      status: 'dropped',
      reason: 'confChangePending',
      leaderHint: '1',
    });
    expect(outcome(c, '1', first)).toBeUndefined();
    c.heal();
    c.ticks(3);
    expect(outcome(c, '1', first)).toMatchObject({ status: 'committed', index: pending });
    expect(outcome(c, '1', normal)).toMatchObject({ status: 'committed' });
    expect(c.raft('1').status().pendingConfIndex).toBe(0);
    const third = c.raft('1').removeNode('3');
    c.ticks(2);
    expect(outcome(c, '1', third)).toMatchObject({ status: 'committed' });
    expect(c.raft('1').status().conf).toEqual({ voters: ['1', '2'], learners: ['4'] });
  });

  it("a new leader accepts no change before an entry of its own term committed ('leaderNotReady')", () => {
    const h = makeNode('1', ['1', '2', '3']);
    const won = makeLeader(h);
    const noop = won.entries.find((e) => e.type === EntryType.NoOp);
    expect(noop).toBeDefined();
    const early = h.node.addLearner('4');
    const d = h.drain();
    expect(d.outcomes).toEqual([{ id: early, status: 'dropped', reason: 'leaderNotReady', leaderHint: '1' }]);
    expect(d.entries).toEqual([]);
    const term = h.status.term;
    h.stepAll(appendResp('2', '1', term, noop?.index ?? 0)); // the no-op commits
    const ok = h.node.addLearner('4');
    const d2 = h.drain();
    const cc = d2.entries.find((e) => e.type === EntryType.ConfChange);
    expect(cc && decodeConfChange(cc.data)).toEqual({
      change: { type: 'addLearner', node: '4' },
      conf: { voters: ['1', '2', '3'], learners: ['4'] },
    });
    expect(d2.outcomes.find((o) => o.id === ok)).toBeUndefined(); // appended, not yet committed
    expect(h.status.conf.learners).toEqual(['4']); // in force on append
  });

  it('a follower or candidate drops changes as notLeader; invalid changes throw and record nothing', () => {
    const c = new Cluster(['1', '2', '3']);
    c.elect('1');
    const pid = c.raft('2').addLearner('9');
    c.processAll();
    expect(outcome(c, '2', pid)).toMatchObject({ status: 'dropped', reason: 'notLeader', leaderHint: '1' });
    const leader = c.raft('1');
    const last = leader.status().lastIndex;
    expect(() => leader.addLearner('2')).toThrow(InvalidArgumentError); // already a voter
    expect(() => leader.promote('2')).toThrow(InvalidArgumentError); // not a learner
    expect(() => leader.removeNode('9')).toThrow(InvalidArgumentError); // not a member
    expect(() => leader.proposeConfChange({ type: 'demote' as never, node: '2' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => leader.proposeConfChange({ type: 'remove', node: '' })).toThrow(InvalidArgumentError);
    c.processAll();
    expect(leader.status().lastIndex).toBe(last);
    expect(c.n('1').outcomes.filter((o) => o.status === 'dropped')).toEqual([]);
    const solo = new Cluster(['1']);
    solo.elect('1');
    expect(() => solo.raft('1').removeNode('1')).toThrow(InvalidArgumentError); // the last voter
  });
});

describe('removal', () => {
  it("a leader that removes itself keeps leading until the change commits, then steps down ('removed')", () => {
    const c = new Cluster(['1', '2', '3']);
    c.elect('1');
    c.ticks(2);
    const pid = c.raft('1').removeNode('1');
    // In force at once: the leader no longer counts itself, but still replicates.
    expect(c.raft('1').status()).toMatchObject({
      role: 'leader',
      conf: { voters: ['2', '3'], learners: [] },
    });
    c.stabilize();
    expect(outcome(c, '1', pid)).toMatchObject({ status: 'committed' });
    const stepDown = c.n('1').transitions.filter((t) => t.from === 'leader');
    expect(stepDown).toEqual([
      { node: '1', from: 'leader', to: 'follower', term: expect.any(Number), reason: 'removed' },
    ] satisfies RoleTransition[]);
    // It handed over to a caught-up voter, which won without waiting for an election timeout.
    const next = c.leader();
    expect(next && ['2', '3'].includes(next.id)).toBe(true);
    const p2 = c.propose(next?.id ?? '2', bytes('after'));
    c.ticks(2);
    expect(outcome(c, next?.id ?? '2', p2)).toMatchObject({ status: 'committed' });
    // The removed node never campaigns again.
    c.n('1').transitions = [];
    c.ticks(60);
    expect(c.n('1').transitions).toEqual([]);
    expect(c.n('1').role).toBe('follower');
  });

  // With the defaults, Pre-Vote and leader stickiness already shield the cluster; with them off,
  // only the rule that a node ignores (pre-)votes from non-voters of its configuration does.
  const setups = {
    'default defences': {},
    'Pre-Vote, CheckQuorum and stickiness off': {
      preVote: false,
      checkQuorum: false,
      leaderStickiness: false,
    },
  };
  for (const [name, config] of Object.entries(setups)) {
    it(`a removed node that keeps campaigning does not disrupt the cluster (${name})`, () => {
      const c = new Cluster(['1', '2', '3'], { config });
      c.elect('1');
      c.ticks(2);
      c.isolate('3'); // '3' never learns that it was removed
      const pid = c.raft('1').removeNode('3');
      c.ticks(3, ['1', '2']);
      expect(outcome(c, '1', pid)).toMatchObject({ status: 'committed' });
      c.heal();
      const terms = { '1': c.n('1').term, '2': c.n('2').term };
      c.n('3').transitions = [];
      for (let i = 0; i < 20; i++) {
        c.propose('1', bytes(`w${i}`));
        c.ticks(5);
      }
      const campaigns = c.n('3').transitions.filter((t) => t.to === 'preCandidate' || t.to === 'candidate');
      expect(campaigns.length).toBeGreaterThan(3); // it does keep trying...
      expect(c.raft('3').status().conf.voters).toContain('3');
      // ...but nobody answers it, no term moves, and the leader keeps committing.
      expect({ '1': c.n('1').term, '2': c.n('2').term }).toEqual(terms);
      expect(c.n('1').role).toBe('leader');
      expect(c.n('1').transitions.filter((t) => t.from === 'leader')).toEqual([]);
      expect(c.raft('1').status().commitIndex).toBe(c.raft('1').status().lastIndex);
      expect(
        c
          .raft('1')
          .status()
          .progress.map((p) => p.id),
      ).toEqual(['1', '2']);
    });
  }
});

describe('configurations follow the log', () => {
  const cc = (index: number, term: number, conf: { voters: string[]; learners: string[] }, node: string) => ({
    index,
    term,
    type: EntryType.ConfChange,
    data: (() => {
      // Built through a real leader so the payload is exactly what the core writes.
      const h = makeNode('1', ['1', '2', '3']);
      const won = makeLeader(h);
      const noop = won.entries.find((e) => e.type === EntryType.NoOp);
      h.stepAll(appendResp('2', '1', h.status.term, noop?.index ?? 0));
      h.node.addLearner(node);
      const e = h.drain().entries.find((x) => x.type === EntryType.ConfChange);
      if (!e || decodeConfChange(e.data).conf.learners.join() !== conf.learners.join()) throw new Error('cc');
      return e.data;
    })(),
  });

  it('a follower uses a change as soon as it is appended, and forgets it when the entry is truncated', () => {
    const h = makeNode('2', ['1', '2', '3']);
    h.stepAll(
      append(
        '1',
        '2',
        1,
        0,
        0,
        [entry(1, 1), cc(2, 1, { voters: ['1', '2', '3'], learners: ['4'] }, '4')],
        1,
      ),
    );
    expect(h.status).toMatchObject({ commitIndex: 1, pendingConfIndex: 2 });
    expect(h.status.conf).toEqual({ voters: ['1', '2', '3'], learners: ['4'] });
    // A new leader of term 2 never had index 2: its entry replaces it, and the change with it.
    const d = h.stepAll(append('3', '2', 2, 1, 1, [entry(2, 2, 'other')], 2));
    expect(ofType(d.messages, 'appendResp')[0]).toMatchObject({ reject: false, index: 2 });
    expect(h.status.conf).toEqual({ voters: ['1', '2', '3'], learners: [] });
    expect(h.status.pendingConfIndex).toBe(0);
  });

  it('a malformed conf change entry is refused as an invalid message; nothing changes', () => {
    const h = makeNode('2', ['1', '2', '3']);
    const bad = { index: 1, term: 1, type: EntryType.ConfChange, data: bytes('not a conf change') };
    expect(() => h.node.step(append('1', '2', 1, 0, 0, [bad], 0))).toThrow(/conf change/);
    expect(h.status).toMatchObject({ lastIndex: 0, term: 0 });
  });

  it('a restart rebuilds the configuration from the log, or from the snapshot it was compacted into', () => {
    const c = withNewNode();
    c.raft('1').addLearner('4');
    c.ticks(3);
    c.raft('1').promote('4');
    c.ticks(3);
    const want = { voters: ['1', '2', '3', '4'], learners: [] };
    c.crash('2');
    c.restart('2');
    expect(c.raft('2').status().conf).toEqual(want);
    // Compact past both changes: the snapshot's metadata carries the configuration.
    const snap = c.takeSnapshot('3');
    expect(snap?.meta.conf).toEqual(want);
    c.crash('3');
    c.restart('3');
    expect(c.raft('3').status()).toMatchObject({ conf: want, firstIndex: (snap?.meta.index ?? 0) + 1 });
    c.ticks(3);
    expect(c.raft('3').status().commitIndex).toBe(c.raft('1').status().commitIndex);
  });

  it('confStateAt(i) gives the configuration in force at i (for snapshot metadata), not a later one', () => {
    const c = withNewNode();
    const before = c.raft('1').status().lastIndex;
    c.partition(['1'], ['2', '3', '4']);
    c.raft('1').addLearner('4'); // uncommitted: must not end up in a snapshot at `before`
    expect(c.raft('1').confStateAt(before)).toEqual({ voters: ['1', '2', '3'], learners: [] });
    expect(c.raft('1').confStateAt(before + 1)).toEqual({ voters: ['1', '2', '3'], learners: ['4'] });
    expect(() => c.raft('1').confStateAt(before + 5)).toThrow(InvalidArgumentError);
  });
});
