/**
 * Raft paper §5.4: safety. Ported behaviours of etcd/raft raft_paper_test.go
 * (TestVoter, TestLeaderOnlyCommitsLogFromCurrentTerm) and the Figure 8
 * scenario.
 */
import { describe, expect, it } from 'vitest';
import { appendResp, bytes, entriesWithTerms, ofType, text, vote } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { runFigure8 } from './helpers/figure8.js';
import { makeLeader, makeNode } from './helpers/single.js';

describe('§5.4.1 election restriction: a vote goes only to a candidate whose log is at least as up-to-date', () => {
  const cases: [number[], number, number, boolean][] = [
    // voter log terms, candidate lastTerm, candidate lastIndex, reject
    [[1], 1, 1, false],
    [[1], 1, 2, false],
    [[1, 1], 1, 1, true], // same last term, shorter log
    [[1], 2, 1, false], // candidate has a higher last term
    [[1], 2, 2, false],
    [[1, 1], 2, 1, false], // higher last term wins even with a shorter log
    [[2], 1, 1, true], // voter has a higher last term
    [[2], 1, 2, true],
    [[2, 1], 1, 1, true],
  ];
  for (const [terms, lastTerm, lastIndex, reject] of cases) {
    it(`voter log ${JSON.stringify(terms)} vs candidate last (${lastIndex},${lastTerm}) -> ${reject ? 'reject' : 'grant'}`, () => {
      const h = makeNode(
        '1',
        ['1', '2', '3'],
        { preVote: false, leaderStickiness: false }, // restarted nodes are sticky for a while: not the rule here
        { entries: entriesWithTerms(terms), hardState: { term: 2, vote: null, commit: 0 } },
      );
      const d = h.stepAll(vote('2', '1', 3, lastIndex, lastTerm));
      expect(ofType(d.messages, 'voteResp')[0].reject).toBe(reject);
    });
  }

  it('the same restriction applies to pre-votes', () => {
    const h = makeNode(
      '1',
      ['1', '2', '3'],
      { leaderStickiness: false },
      { entries: entriesWithTerms([1, 1]), hardState: { term: 1, vote: null, commit: 0 } },
    );
    const d = h.stepAll(vote('2', '1', 2, 1, 1, { pre: true }));
    expect(ofType(d.messages, 'preVoteResp')[0]).toMatchObject({ reject: true, term: 1 });
  });

  it('a node whose log misses committed entries cannot become leader', () => {
    const c = new Cluster(['1', '2', '3'], { config: { preVote: false, leaderStickiness: false } });
    c.elect('1');
    c.isolate('3');
    c.propose('1', bytes('a'));
    c.stabilize();
    c.heal();
    c.crash('1');
    // 3 lacks index 2, which 1 and 2 hold (committed): 2 must refuse it.
    c.raft('3').campaign();
    c.stabilize();
    expect(c.n('3').role).not.toBe('leader');
    expect(c.raft('2').status().vote).toBeNull(); // it saw term 2 but refused the vote
    c.raft('2').campaign();
    c.stabilize();
    expect(c.n('2').role).toBe('leader');
  });
});

describe('§5.4.2 a leader commits entries from previous terms only by committing one of its own term', () => {
  it('replicas of an old-term entry on a majority do not commit it; the current-term no-op does', () => {
    // Log (1,1) (2,2) from earlier terms; it becomes leader of term 3 with its no-op at index 3.
    const h = makeNode(
      '1',
      ['1', '2', '3', '4', '5'],
      {},
      { entries: entriesWithTerms([1, 2]), hardState: { term: 2, vote: null, commit: 0 } },
    );
    makeLeader(h);
    const t = h.status.term;
    h.stepAll(appendResp('2', '1', t, 2), appendResp('3', '1', t, 2));
    expect(h.status.commitIndex).toBe(0);
    const d = h.stepAll(appendResp('2', '1', t, 3), appendResp('3', '1', t, 3));
    expect(h.status.commitIndex).toBe(3);
    expect(d.committed.map((e) => e.index)).toEqual([1, 2, 3]);
  });

  it('Figure 8: the old-term entry on a majority is not committed and is later safely overwritten', () => {
    const { cluster: c, s1CommitOnMajority } = runFigure8();
    expect(s1CommitOnMajority).toBe(1);
    // Every node that applied index 2 applied S5's entry (2,2); nobody applied S1's (2,1).
    for (const id of ['2', '3', '4', '5']) {
      const at2 = c.n(id).applied.find((e) => e.index === 2);
      expect(at2?.term).toBe(2);
    }
    const s1Applied = c.n('1').applied.find((e) => e.index === 2);
    expect(s1Applied === undefined || s1Applied.term === 2).toBe(true);
  });
});

describe('§5.4.3 leader completeness: committed entries survive leader changes', () => {
  it('entries committed under one leader are applied everywhere under the next', () => {
    const c = new Cluster(['1', '2', '3', '4', '5'], { seed: 3 });
    c.elect('1');
    for (let i = 0; i < 5; i++) c.propose('1', bytes(`v${i}`));
    c.stabilize();
    c.crash('1');
    c.tickUntil(() => c.leaders().length === 1 && c.leader()!.id !== '1', 500, ['2', '3', '4', '5']);
    const l = c.leader()!;
    c.propose(l.id, bytes('after'));
    c.stabilize();
    c.ticks(3, ['2', '3', '4', '5']);
    for (const id of ['2', '3', '4', '5']) {
      const data = c
        .n(id)
        .applied.filter((e) => e.type === 0)
        .map((e) => text(e.data));
      expect(data).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'after']);
    }
  });
});
