/** The Ready protocol between RaftNode and its host, and input validation. */
import { InvalidMessageError, MemoryStorage, RaftNode, UsageError } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { append, appendResp, bytes, entry, heartbeat, vote } from './helpers/builders.js';
import { persistReady } from './helpers/persist.js';
import { makeLeader, makeNode } from './helpers/single.js';

describe('the Ready contract', () => {
  it('ready() twice without advance(), or advance() without ready(), is a UsageError', () => {
    const h = makeNode('1', ['1', '2', '3']);
    expect(() => h.node.advance()).toThrow(UsageError);
    h.node.campaign();
    h.node.ready();
    expect(h.node.hasReady()).toBe(false); // while a Ready is outstanding
    expect(() => h.node.ready()).toThrow(UsageError);
    h.node.advance();
  });

  it('input that arrives between ready() and advance() lands in the next Ready, once', () => {
    const h = makeNode('2', ['1', '2', '3']);
    h.node.step(append('1', '2', 1, 0, 0, [entry(1, 1)]));
    const rd1 = h.node.ready();
    h.node.step(append('1', '2', 1, 1, 1, [entry(2, 1)], 1));
    persistReady(h.storage, rd1);
    h.node.advance();
    const rd2 = h.node.ready();
    expect(rd1.entries.map((e) => e.index)).toEqual([1]);
    expect(rd2.entries.map((e) => e.index)).toEqual([2]);
    expect(rd2.committedEntries.map((e) => e.index)).toEqual([1]);
    persistReady(h.storage, rd2);
    h.node.advance();
    expect(h.node.hasReady()).toBe(false);
  });

  it('uncommitted entries are never handed out for applying', () => {
    const h = makeNode('2', ['1', '2', '3']);
    const d = h.stepAll(append('1', '2', 1, 0, 0, [entry(1, 1), entry(2, 1)], 0));
    expect(d.entries).toHaveLength(2);
    expect(d.committed).toEqual([]);
  });

  it('a vote leaves only together with the hardState that records it (mustSync)', () => {
    const h = makeNode('1', ['1', '2', '3'], { preVote: false });
    h.node.step(vote('2', '1', 3, 0, 0));
    const rd = h.node.ready();
    expect(rd.hardState).toEqual({ term: 3, vote: '2', commit: 0 });
    expect(rd.messages.map((m) => m.type)).toEqual(['voteResp']);
    expect(rd.mustSync).toBe(true);
    h.node.advance();
  });

  it('a commit-only change does not require a sync', () => {
    const h = makeNode('2', ['1', '2', '3']);
    h.stepAll(append('1', '2', 1, 0, 0, [entry(1, 1)], 0));
    h.node.step(heartbeat('1', '2', 1, 1));
    const rd = h.node.ready();
    expect(rd.hardState).toEqual({ term: 1, vote: null, commit: 1 });
    expect(rd.mustSync).toBe(false);
    h.node.advance();
  });

  it("a leader's appends may leave before its own write (thesis §10.2.1); votes, acks and self-committed entries may not", () => {
    // A candidate's vote requests need its persisted term and vote.
    const c = makeNode('1', ['1', '2', '3'], { preVote: false });
    c.node.campaign();
    const campaign = c.node.ready();
    expect(campaign.messages.map((m) => m.type)).toEqual(['vote', 'vote']);
    expect(campaign.messagesMayPrecedePersist).toBe(false);
    c.node.advance();

    // A leader's appends of new entries: no term or vote change, nothing of this Ready committed.
    const l = makeNode('1', ['1', '2', '3']);
    makeLeader(l);
    const { term, lastIndex } = l.node.status();
    for (const p of ['2', '3']) l.node.step(appendResp(p, '1', term, lastIndex));
    l.drain();
    l.node.propose(bytes('x'));
    const rd = l.node.ready();
    expect(rd.entries).toHaveLength(1);
    expect(rd.messages.filter((m) => m.type === 'append')).toHaveLength(2);
    expect(rd.messagesMayPrecedePersist).toBe(true);
    persistReady(l.storage, rd);
    l.node.advance();

    // A follower's acknowledgement vouches for entries this very Ready writes.
    const f = makeNode('2', ['1', '2', '3']);
    f.node.step(append('1', '2', 1, 0, 0, [entry(1, 1)]));
    const ack = f.node.ready();
    expect(ack.messages.map((m) => m.type)).toEqual(['appendResp']);
    expect(ack.messagesMayPrecedePersist).toBe(false);
    f.node.advance();

    // A single voter commits its own new entry at once: the append telling a learner so must wait.
    const soloStorage = new MemoryStorage();
    const soloWithLearner = new RaftNode({
      id: '1',
      peers: ['1'],
      learners: ['9'],
      seed: 1,
      storage: soloStorage,
    });
    const drainSolo = () => {
      while (soloWithLearner.hasReady()) {
        persistReady(soloStorage, soloWithLearner.ready());
        soloWithLearner.advance();
      }
    };
    soloWithLearner.campaign();
    const first = soloWithLearner.ready();
    expect(first.messagesMayPrecedePersist).toBe(false); // term and vote change in this Ready
    persistReady(soloStorage, first);
    soloWithLearner.advance();
    drainSolo();
    const solo = soloWithLearner.status();
    soloWithLearner.step(appendResp('9', '1', solo.term, solo.lastIndex));
    drainSolo();
    soloWithLearner.propose(bytes('y'));
    const selfCommitted = soloWithLearner.ready();
    expect(selfCommitted.committedEntries.map((e) => e.index)).toContain(selfCommitted.entries[0].index);
    expect(selfCommitted.messages.some((m) => m.type === 'append')).toBe(true);
    expect(selfCommitted.messagesMayPrecedePersist).toBe(false);
  });

  it('softState appears only when role, leader or term changed', () => {
    const h = makeNode('1', ['1', '2', '3']);
    h.node.campaign();
    const rd = h.node.ready();
    expect(rd.softState).toEqual({ role: 'preCandidate', leader: null, term: 0 });
    h.node.advance();
    h.node.tick();
    expect(h.node.hasReady() ? h.node.ready().softState : null).toBeNull();
  });

  it('a restarted node recovers term, vote, log and commit from what it persisted', () => {
    const storage = new MemoryStorage();
    const cfg = { id: '1', peers: ['1'], seed: 1, storage };
    const a = new RaftNode(cfg);
    a.campaign();
    for (let i = 0; i < 3; i++) {
      while (a.hasReady()) {
        persistReady(storage, a.ready());
        a.advance();
      }
      a.propose(bytes(`e${i}`));
    }
    while (a.hasReady()) {
      persistReady(storage, a.ready());
      a.advance();
    }
    const before = a.status();
    const b = new RaftNode({ ...cfg, applied: before.commitIndex });
    expect(b.status()).toMatchObject({
      role: 'follower',
      term: before.term,
      vote: '1',
      commitIndex: before.commitIndex,
      lastIndex: before.lastIndex,
      appliedIndex: before.commitIndex,
    });
  });
});

describe('step() validates its input', () => {
  const bad: [string, unknown][] = [
    ['addressed to another node', append('1', '9', 1, 0, 0)],
    ['from itself', append('2', '2', 1, 0, 0)],
    ['negative term', { ...heartbeat('1', '2', 1), term: -1 }],
    ['entries not contiguous', append('1', '2', 1, 0, 0, [entry(1, 1), entry(3, 1)])],
    ['entry term above message term', append('1', '2', 1, 0, 0, [entry(1, 2)])],
    ['entry terms decreasing', append('1', '2', 3, 0, 0, [entry(1, 3), entry(2, 2)])],
    ['entry data not bytes', append('1', '2', 1, 0, 0, [{ index: 1, term: 1, type: 0, data: 'x' as never }])],
    ['unknown type', { type: 'gossip', from: '1', to: '2', term: 1 }],
    ['missing field', { type: 'vote', from: '1', to: '2', term: 1 }],
  ];
  for (const [name, msg] of bad) {
    it(`throws InvalidMessageError and changes nothing: ${name}`, () => {
      const h = makeNode('2', ['1', '2', '3']);
      const before = JSON.stringify(h.status);
      expect(() => h.node.step(msg as never)).toThrow(InvalidMessageError);
      expect(JSON.stringify(h.status)).toBe(before);
      expect(h.node.hasReady()).toBe(false);
    });
  }

  it('the node keeps working after refusing bad input', () => {
    const h = makeNode('1', ['1', '2', '3']);
    makeLeader(h);
    expect(() => h.node.step(append('2', '1', 1, 0, 0, [entry(2, 1)]))).toThrow(InvalidMessageError);
    expect(() => h.node.propose('text' as never)).toThrow();
    const id = h.node.propose(bytes('fine'));
    expect(id).toBeGreaterThan(0);
    expect(h.status.role).toBe('leader');
  });
});
