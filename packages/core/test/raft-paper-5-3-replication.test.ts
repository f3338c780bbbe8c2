/**
 * Raft paper §5.3: log replication. Ported behaviours of etcd/raft
 * raft_paper_test.go (TestLeaderStartReplication, TestLeaderCommitEntry,
 * TestLeaderAcknowledgeCommit, TestFollowerCommitEntry, TestFollowerCheckMsgApp,
 * TestFollowerAppendEntries, TestLeaderSyncFollowerLog (Figure 7)).
 */
import type { Entry } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { append, appendResp, bytes, entriesWithTerms, entry, heartbeat, ofType } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { persistReady } from './helpers/persist.js';
import { makeLeader, makeNode } from './helpers/single.js';

describe('§5.3 the leader appends a command to its log and replicates it', () => {
  it('a proposal becomes a new entry of the current term sent to every follower', () => {
    const h = makeNode('1', ['1', '2', '3']);
    makeLeader(h);
    // Followers acknowledge the no-op; they move from probe to replicate.
    h.stepAll(appendResp('2', '1', 1, 1), appendResp('3', '1', 1, 1));
    h.node.propose(bytes('cmd'));
    const d = h.drain();
    expect(d.entries).toEqual([entry(2, 1, 'cmd')]);
    const apps = ofType(d.messages, 'append');
    expect(apps).toHaveLength(2);
    for (const m of apps) {
      expect(m).toMatchObject({ prevIndex: 1, prevTerm: 1, commit: 1 });
      expect(m.entries).toEqual([entry(2, 1, 'cmd')]);
    }
  });

  it('an entry commits once a majority (leader included) has it; it is then applied and its outcome reported', () => {
    const h = makeNode('1', ['1', '2', '3', '4', '5']);
    makeLeader(h);
    const pid = h.node.propose(bytes('x'));
    h.drain();
    h.node.step(appendResp('2', '1', 1, 2));
    let d = h.drain();
    expect(h.status.commitIndex).toBe(0);
    expect(d.committed).toEqual([]);
    h.node.step(appendResp('3', '1', 1, 2));
    d = h.drain();
    expect(h.status.commitIndex).toBe(2);
    expect(d.committed.map((e) => e.index)).toEqual([1, 2]);
    expect(d.outcomes).toEqual([{ id: pid, status: 'committed', index: 2, term: 1 }]);
  });

  it('the leader tells followers the new commit index in its next appends', () => {
    const h = makeNode('1', ['1', '2', '3']);
    makeLeader(h);
    h.node.propose(bytes('x'));
    h.drain();
    h.node.step(appendResp('2', '1', 1, 2));
    const d = h.drain();
    const toB = ofType(d.messages, 'append').find((m) => m.to === '2');
    expect(toB).toMatchObject({ commit: 2, prevIndex: 2, entries: [] });
  });

  it('a single-node leader commits proposals at once, in the Ready that persists them', () => {
    const c = new Cluster(['1']);
    c.elect('1');
    const pid = c.propose('1', bytes('solo'));
    const rd = c.raft('1').ready();
    expect(rd.entries.map((e) => e.index)).toEqual([2]);
    expect(rd.committedEntries.map((e) => e.index)).toEqual([2]);
    expect(rd.outcomes).toEqual([{ id: pid, status: 'committed', index: 2, term: 1 }]);
    expect(rd.mustSync).toBe(true);
    c.raft('1').advance();
  });
});

describe('§5.3 a follower learns of commits from the leader', () => {
  it('commit index follows the append, capped at the last entry the append verified', () => {
    const h = makeNode('2', ['1', '2', '3']);
    const d = h.stepAll(append('1', '2', 1, 0, 0, [entry(1, 1), entry(2, 1)], 5));
    expect(h.status.commitIndex).toBe(2);
    expect(d.committed.map((e) => e.index)).toEqual([1, 2]);
  });

  it('a follower never commits beyond what the leader verified matches (divergent tail stays uncommitted)', () => {
    // Follower holds 1..3 of term 1 but the leader only verified index 1.
    const h = makeNode(
      '2',
      ['1', '2', '3'],
      {},
      { entries: entriesWithTerms([1, 1, 1]), hardState: { term: 1, vote: null, commit: 0 } },
    );
    h.stepAll(append('1', '2', 2, 0, 0, [entry(1, 1)], 3));
    expect(h.status.commitIndex).toBe(1);
  });

  it('heartbeats carry commit information', () => {
    const h = makeNode(
      '2',
      ['1', '2', '3'],
      {},
      { entries: entriesWithTerms([1, 1]), hardState: { term: 1, vote: null, commit: 0 } },
    );
    const d = h.stepAll(heartbeat('1', '2', 1, 2));
    expect(h.status.commitIndex).toBe(2);
    expect(d.committed.map((e) => e.index)).toEqual([1, 2]);
    expect(ofType(d.messages, 'heartbeatResp')).toHaveLength(1);
  });
});

describe('§5.3 AppendEntries consistency check', () => {
  const log = entriesWithTerms([1, 2]); // (1,1) (2,2)
  const cases: [number, number, boolean, number, number][] = [
    // prevIndex, prevTerm, reject, hintIndex, hintTerm
    [0, 0, false, 0, 0],
    [1, 1, false, 0, 0],
    [2, 2, false, 0, 0],
    [1, 2, true, 0, 0], // term mismatch at 1: nothing with term <= 2 before... index 1 has term 1 <= 2
    [3, 3, true, 2, 2], // beyond our log: hint at our last entry
  ];
  for (const [prevIndex, prevTerm, reject, hintIndex, hintTerm] of cases) {
    it(`prev (${prevIndex},${prevTerm}) on log [1,2] -> ${reject ? 'reject' : 'accept'}`, () => {
      const h = makeNode(
        '2',
        ['1', '2', '3'],
        {},
        { entries: log, hardState: { term: 2, vote: null, commit: 0 } },
      );
      const d = h.stepAll(append('1', '2', Math.max(2, prevTerm), prevIndex, prevTerm));
      const r = ofType(d.messages, 'appendResp')[0];
      expect(r.reject).toBe(reject);
      if (reject) {
        expect(r.index).toBe(prevIndex);
        // For (1,2): our entry 1 has term 1 <= 2, so it may match: hint (1,1).
        const want = prevIndex === 1 ? [1, 1] : [hintIndex, hintTerm];
        expect([r.hintIndex, r.hintTerm]).toEqual(want);
      } else {
        expect(r.index).toBe(prevIndex);
      }
    });
  }

  it('an append below the commit index is answered with the commit index, changing nothing', () => {
    const h = makeNode(
      '2',
      ['1', '2', '3'],
      {},
      { entries: entriesWithTerms([1, 1, 1]), hardState: { term: 1, vote: null, commit: 3 } },
    );
    const d = h.stepAll(append('1', '2', 1, 1, 1, [entry(2, 1)]));
    expect(ofType(d.messages, 'appendResp')[0]).toMatchObject({ reject: false, index: 3 });
    expect(h.status.lastIndex).toBe(3);
  });
});

describe('§5.3 a follower deletes a conflicting suffix and appends the leader entries', () => {
  const base = entriesWithTerms([1, 2]);
  const cases: { name: string; prev: [number, number]; ents: Entry[]; want: number[] }[] = [
    { name: 'append after the end', prev: [2, 2], ents: [entry(3, 3)], want: [1, 2, 3] },
    { name: 'replace a conflicting entry', prev: [1, 1], ents: [entry(2, 3), entry(3, 4)], want: [1, 3, 4] },
    { name: 'matching entries are kept, nothing truncated', prev: [0, 0], ents: [entry(1, 1)], want: [1, 2] },
    { name: 'overwrite from the start', prev: [0, 0], ents: [entry(1, 3)], want: [3] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const h = makeNode(
        '2',
        ['1', '2', '3'],
        {},
        { entries: base, hardState: { term: 2, vote: null, commit: 0 } },
      );
      h.stepAll(append('1', '2', 4, c.prev[0], c.prev[1], c.ents));
      expect(h.storage.allEntries().map((e) => e.term)).toEqual(c.want);
    });
  }

  it('a delayed (reordered) shorter append does not truncate entries appended later', () => {
    const h = makeNode('2', ['1', '2', '3']);
    h.stepAll(append('1', '2', 1, 0, 0, [entry(1, 1), entry(2, 1), entry(3, 1)]));
    const d = h.stepAll(append('1', '2', 1, 0, 0, [entry(1, 1)]));
    expect(h.status.lastIndex).toBe(3);
    expect(ofType(d.messages, 'appendResp')[0]).toMatchObject({ reject: false, index: 1 });
  });
});

/** Figure 7: the leader of term 8 and six possible follower logs (a)-(f). */
const FIGURE_7_LEADER = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
const FIGURE_7_FOLLOWERS: Record<string, number[]> = {
  a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
  b: [1, 1, 1, 4],
  c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
  d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
  e: [1, 1, 1, 4, 4, 4, 4],
  f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
};

describe('§5.3 Figure 7: the leader brings any follower log in line with its own', () => {
  for (const [name, followerLog] of Object.entries(FIGURE_7_FOLLOWERS)) {
    it(`follower (${name}) ends with exactly the leader's log, quickly thanks to conflict hints`, () => {
      const c = new Cluster(['L', 'F', 'X'], { config: { preVote: false, leaderStickiness: false } });
      const seed = (id: string, terms: number[], term: number) => {
        const cn = c.n(id);
        cn.storage.append(entriesWithTerms(terms));
        cn.storage.setHardState({ term, vote: null, commit: 0 });
        cn.storage.sync();
        c.restart(id);
      };
      seed('L', FIGURE_7_LEADER, 7);
      seed('F', followerLog, 7);
      seed('X', FIGURE_7_LEADER, 7); // a third voter with the leader's log lets L win term 8
      c.cutLink('F', 'L'); // F's (possibly longer) log must not matter for the election
      c.elect('L');
      c.heal();
      let rejections = 0;
      c.n('L'); // count rejections from F while L repairs it
      for (let i = 0; i < 50; i++) {
        c.processAll();
        rejections += c.queue.filter((m) => m.type === 'appendResp' && m.from === 'F' && m.reject).length;
        if (c.queue.length === 0) break;
        c.deliverQueued();
      }
      c.tick();
      const leaderLog = c
        .n('L')
        .storage.allEntries()
        .map((e) => `${e.index}/${e.term}`);
      const follower = c
        .n('F')
        .storage.allEntries()
        .map((e) => `${e.index}/${e.term}`);
      expect(follower).toEqual(leaderLog);
      expect(leaderLog).toHaveLength(11); // ten old entries plus the term-8 no-op
      // One rejection per conflicting term at most, never one per entry.
      expect(rejections).toBeLessThanOrEqual(3);
    });
  }
});

describe('§5.3 fast backtracking with conflict hints', () => {
  it('a leader skips a whole conflicting term in one round trip', () => {
    // Follower has 100 entries of term 2 the leader (term 3, entries of term 1 and 3) never had.
    const followerLog = entriesWithTerms([1, ...Array.from({ length: 100 }, () => 2)]);
    const h = makeNode(
      '2',
      ['1', '2', '3'],
      {},
      { entries: followerLog, hardState: { term: 2, vote: null, commit: 1 } },
    );
    const d = h.stepAll(append('1', '2', 3, 150, 3));
    const r = ofType(d.messages, 'appendResp')[0];
    expect(r).toMatchObject({ reject: true, index: 150, hintIndex: 101, hintTerm: 2 });
    // The leader's log has term 1 at index 1 and term 3 after it: the hint lands it at index 1 directly.
    const leader = makeNode(
      '1',
      ['1', '2', '3'],
      {},
      { entries: entriesWithTerms([1, 3, 3]), hardState: { term: 3, vote: '1', commit: 0 } },
    );
    makeLeader(leader);
    leader.drain();
    const t = leader.status.term;
    // It probed with prevIndex 3 (its last entry before the no-op); the follower rejects with its hint.
    leader.node.step(appendResp('2', '1', t, 3, true, 101, 2));
    const again = ofType(leader.drain().messages, 'append').find((m) => m.to === '2');
    expect(again?.prevIndex).toBe(1);
  });
});

describe('§5.3 the Ready contract around replication', () => {
  it('a follower acknowledges entries only in the Ready that persists them', () => {
    const h = makeNode('2', ['1', '2', '3']);
    h.node.step(append('1', '2', 1, 0, 0, [entry(1, 1)]));
    const rd = h.node.ready();
    expect(rd.entries).toEqual([entry(1, 1)]);
    expect(rd.messages).toEqual([appendResp('2', '1', 1, 1)]);
    expect(rd.mustSync).toBe(true);
    persistReady(h.storage, rd);
    h.node.advance();
  });
});
