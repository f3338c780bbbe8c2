/**
 * Identity = id + incarnation (core README, "Identity"): a vote or an
 * acknowledgement counts only when its sender is the incarnation the
 * configuration binds. Scripted from the two membership schedules the
 * simulator found (seeds 5108 and 20553), so they stay covered when seeds drift.
 */
import { decodeConfChange, EntryType, type RaftConfig, type RoleTransition } from '@raftkit/core';
import { withInjectedBugs } from '@raftkit/core/testing';
import { describe, expect, it } from 'vitest';
import { bytes } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';

const INCS = { '1': 101, '2': 102, '3': 103 } as const;

/** A 3-node cluster whose bootstrap binds every member to its incarnation. */
function boundCluster(wrap?: (c: RaftConfig) => RaftConfig): Cluster {
  return new Cluster(['1', '2', '3'], {
    perNode: Object.fromEntries(
      Object.entries(INCS).map(([id, inc]) => [id, { incarnation: inc, bootstrapIncarnations: INCS }]),
    ),
    ...(wrap ? { wrapConfig: wrap } : {}),
  });
}

function leadersByTerm(c: Cluster): Map<number, Set<string>> {
  const byTerm = new Map<number, Set<string>>();
  const note = (t: RoleTransition) => {
    if (t.to !== 'leader') return;
    const s = byTerm.get(t.term) ?? new Set<string>();
    s.add(t.node);
    byTerm.set(t.term, s);
  };
  for (const id of c.ids) for (const t of c.n(id).transitions) note(t);
  return byTerm;
}

/**
 * '3' leads term T with '1''s vote while '2' is cut off (in term T - 1); then
 * '3''s store is wiped and it restarts empty under its old id (new
 * incarnation). '2' campaigns for term T with only the new '3' reachable: the
 * new '3' grants the vote (it remembers no vote in term T), which must not make
 * '2' a second leader of term T.
 */
function wipedVoterSchedule(c: Cluster): number {
  c.partition(['1', '3'], ['2']);
  c.elect('3');
  const term = c.n('3').term;
  expect(c.n('2').term).toBe(term - 1);
  c.propose('3', bytes('acked by 1 and 3'));
  c.stabilize();
  c.wipe('3', 999);
  c.heal();
  c.partition(['1'], ['2', '3']);
  // '2' is one term behind: its pre-vote and then its vote ask for the term '3' led.
  c.raft('2').campaign();
  c.stabilize();
  c.ticks(30, ['2', '3']);
  return term;
}

describe('Identity: a wiped voter under its old id cannot vote twice in a term', () => {
  it('the vote of a new incarnation is not counted; one leader per term (seed 5108 schedule)', () => {
    const c = boundCluster();
    const term = wipedVoterSchedule(c); // '3' (the wiped incarnation) led `term`
    expect(leadersByTerm(c).get(term)).toBeUndefined();
    expect(c.n('2').role).not.toBe('leader');
    const seen = c.n('2').identityConflicts;
    expect(seen).toContainEqual(
      expect.objectContaining({ node: '3', expected: 103, actual: 999, detectedBy: '2' }),
    );
    expect(c.raft('2').status().identityConflicts).toContainEqual(
      expect.objectContaining({ node: '3', actual: 999 }),
    );
  });

  it("with the injected bug 'ignore-incarnation' the same schedule elects two leaders in one term", () => {
    const c = boundCluster((cfg) => withInjectedBugs(cfg, ['ignore-incarnation']));
    const term = wipedVoterSchedule(c); // '3' (the wiped incarnation) led `term`
    expect(leadersByTerm(c).get(term)).toEqual(new Set(['2']));
  });

  it('acknowledgements of a new incarnation do not count toward commit', () => {
    const c = boundCluster();
    c.elect('1');
    c.crash('3');
    c.wipe('2', 555);
    const before = c.raft('1').status().commitIndex;
    c.propose('1', bytes('needs a real majority'));
    c.ticks(20, ['1', '2']);
    // '2' (new incarnation) acknowledged nothing that counts: '1' alone is no majority.
    expect(c.raft('1').status().commitIndex).toBe(before);
    expect(c.n('1').identityConflicts).toContainEqual(
      expect.objectContaining({ node: '2', expected: 102, actual: 555, detectedBy: '1' }),
    );
  });

  it('removed and re-added under its new incarnation, the member counts again', () => {
    const c = boundCluster();
    c.elect('1');
    c.wipe('3', 777);
    c.ticks(3);
    expect(
      c
        .raft('1')
        .status()
        .identityConflicts.map((x) => x.node),
    ).toEqual(['3']);
    c.raft('1').removeNode('3');
    c.ticks(5);
    c.wipe('3', 778);
    c.raft('1').addLearner('3', { incarnation: 778 });
    c.ticks(10);
    c.raft('1').promote('3');
    c.ticks(10);
    const st = c.raft('1').status();
    expect(st.conf.voters).toContain('3');
    expect(st.conf.incarnations?.['3']).toBe(778);
    expect(st.identityConflicts).toEqual([]);
    c.crash('2');
    c.propose('1', bytes('committed by 1 and the new 3'));
    const target = c.raft('1').status().lastIndex;
    c.ticks(10, ['1', '3']);
    expect(c.raft('1').status().commitIndex).toBe(target);
  });
});

describe('Identity: unbound bootstrap members are bound by the first leader', () => {
  it('the leader records every member it hears from with a bind change, then refuses a wiped one', () => {
    const c = new Cluster(['1', '2', '3'], {
      perNode: Object.fromEntries(Object.entries(INCS).map(([id, inc]) => [id, { incarnation: inc }])),
    });
    c.elect('1');
    c.ticks(10);
    for (const id of c.ids) expect(c.raft(id).status().conf.incarnations).toEqual(INCS);
    const binds = c
      .n('2')
      .applied.filter((e) => e.type === EntryType.ConfChange)
      .map((e) => decodeConfChange(e.data).change);
    expect(binds.map((b) => [b.type, b.node, b.incarnation])).toEqual([
      ['bind', '1', 101],
      ['bind', '2', 102],
      ['bind', '3', 103],
    ]);
    c.wipe('2', 4242);
    c.crash('3');
    const before = c.raft('1').status().commitIndex;
    c.propose('1', bytes('x'));
    c.ticks(20, ['1', '2']);
    expect(c.raft('1').status().commitIndex).toBe(before);
    expect(c.raft('1').status().identityConflicts).toContainEqual(
      expect.objectContaining({ node: '2', expected: 102, actual: 4242 }),
    );
  });

  it('a node without an incarnation (0) is never bound and behaves as before', () => {
    const c = new Cluster(['1', '2', '3']);
    c.elect('1');
    c.ticks(10);
    expect(c.raft('1').status().conf.incarnations).toBeUndefined();
    expect(c.n('1').applied.filter((e) => e.type === EntryType.ConfChange)).toEqual([]);
  });
});

describe('Identity: a stale configuration does not block elections (seed 20553 schedule)', () => {
  it("a voter whose configuration still lists the candidate as a learner answers it when the candidate's log is ahead", () => {
    const c = new Cluster(['1', '2', '3']);
    c.elect('3');
    c.addNode('4', { voters: ['1', '2', '3'], learners: [] });
    c.raft('3').addLearner('4');
    c.ticks(5);
    c.cutLink('3', '2'); // '2' hears nothing more: '4' stays a learner in its configuration
    c.cutLink('1', '2');
    c.raft('3').promote('4');
    c.ticks(5, ['1', '3', '4']);
    c.raft('3').removeNode('1');
    c.ticks(5, ['1', '3', '4']);
    expect(c.raft('3').status().conf.voters).toEqual(['2', '3', '4']);
    expect(c.raft('2').status().conf.voters).toEqual(['1', '2', '3']);
    c.crash('1');
    c.crash('3');
    c.heal();
    // Alive: '2' (stale configuration) and '4' (voter of {2,3,4}, needing '2''s vote).
    const ticks = c.tickUntil(() => c.n('4').role === 'leader', 500, ['2', '4']);
    expect(ticks).toBeLessThan(500);
    c.ticks(5, ['2', '4']);
    expect(c.raft('2').status().conf.voters).toEqual(['2', '3', '4']);
  });
});
