/**
 * Linearizable reads by ReadIndex (Raft thesis §6.4): the leader records its
 * commit index, confirms it still leads by a quorum-acknowledged heartbeat
 * round, and only then releases the read. Every read ends: ready or dropped.
 */
import { describe, expect, it } from 'vitest';
import { appendResp, bytes, heartbeatResp, ofType } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { makeLeader, makeNode } from './helpers/single.js';

describe('ReadIndex on the leader', () => {
  it('waits until the leader has committed an entry of its own term', () => {
    const h = makeNode('1', ['1', '2', '3']);
    makeLeader(h);
    h.node.readIndex(1);
    let d = h.drain();
    expect(d.readStates).toEqual([]);
    expect(ofType(d.messages, 'heartbeat')).toEqual([]); // no round yet: the read is deferred
    d = h.stepAll(appendResp('2', '1', 1, 1)); // the no-op commits
    const beats = ofType(d.messages, 'heartbeat');
    expect(beats).toHaveLength(2);
    expect(d.readStates).toEqual([]);
    d = h.stepAll(heartbeatResp('2', '1', 1, beats[0].seq));
    expect(d.readStates).toEqual([{ ctx: 1, status: 'ready', index: 1, mode: 'readIndex' }]);
  });

  it('is released only once a quorum acknowledged a heartbeat round sent after it', () => {
    const h = makeNode('1', ['1', '2', '3', '4', '5']);
    makeLeader(h);
    h.stepAll(appendResp('2', '1', 1, 1), appendResp('3', '1', 1, 1));
    h.node.readIndex(9);
    const seq = ofType(h.drain().messages, 'heartbeat')[0].seq;
    expect(h.stepAll(heartbeatResp('2', '1', 1, seq)).readStates).toEqual([]);
    expect(h.stepAll(heartbeatResp('2', '1', 1, seq)).readStates).toEqual([]); // duplicates do not count twice
    expect(h.stepAll(heartbeatResp('3', '1', 1, seq - 1)).readStates).toEqual([]); // an older round does not count
    expect(h.stepAll(heartbeatResp('4', '1', 1, seq)).readStates).toEqual([
      { ctx: 9, status: 'ready', index: 1, mode: 'readIndex' },
    ]);
  });

  it('the read index is the commit index when the read arrived, not when it was confirmed', () => {
    const h = makeNode('1', ['1', '2', '3']);
    makeLeader(h);
    h.stepAll(appendResp('2', '1', 1, 1));
    h.node.readIndex(1);
    const seq = ofType(h.drain().messages, 'heartbeat')[0].seq;
    h.node.propose(bytes('later'));
    h.stepAll(appendResp('2', '1', 1, 2));
    expect(h.status.commitIndex).toBe(2);
    const d = h.stepAll(heartbeatResp('2', '1', 1, seq));
    expect(d.readStates).toEqual([{ ctx: 1, status: 'ready', index: 1, mode: 'readIndex' }]);
  });

  it('reads that arrive together share one heartbeat round', () => {
    const h = makeNode('1', ['1', '2', '3']);
    makeLeader(h);
    h.stepAll(appendResp('2', '1', 1, 1));
    for (let ctx = 1; ctx <= 5; ctx++) h.node.readIndex(ctx);
    const beats = ofType(h.drain().messages, 'heartbeat');
    expect(beats).toHaveLength(2); // one round: one heartbeat per follower
    const d = h.stepAll(heartbeatResp('3', '1', 1, beats[0].seq));
    expect(d.readStates.map((r) => r.ctx)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a single-voter leader answers at once', () => {
    const c = new Cluster(['1']);
    c.elect('1');
    c.raft('1').readIndex(3);
    c.stabilize();
    expect(c.n('1').readStates).toEqual([{ ctx: 3, status: 'ready', index: 1, mode: 'readIndex' }]);
  });

  it('a leader deposed without knowing it never serves the read; it ends dropped when it learns', () => {
    const c = new Cluster(['1', '2', '3'], { config: { checkQuorum: false } });
    c.elect('1');
    c.isolate('1');
    c.tickUntil(() => c.n('2').role === 'leader' || c.n('3').role === 'leader', 500, ['2', '3']);
    c.raft('1').readIndex(42);
    c.ticks(30, ['1']);
    expect(c.n('1').role).toBe('leader');
    expect(c.n('1').readStates).toEqual([]);
    c.heal();
    c.ticks(5);
    expect(c.n('1').readStates).toEqual([
      { ctx: 42, status: 'dropped', reason: 'termChanged', leaderHint: expect.anything() },
    ]);
  });

  it('a leader that steps down (CheckQuorum) drops its pending reads with termChanged', () => {
    const c = new Cluster(['1', '2', '3']);
    c.elect('1');
    c.isolate('1');
    c.raft('1').readIndex(5);
    c.ticks(15, ['1']);
    expect(c.n('1').readStates).toEqual([
      { ctx: 5, status: 'dropped', reason: 'termChanged', leaderHint: null },
    ]);
  });
});

describe('ReadIndex on a follower', () => {
  it('is forwarded to the leader and answered with the leader commit index', () => {
    const c = new Cluster(['1', '2', '3']);
    c.elect('1');
    c.propose('1', bytes('x'));
    c.stabilize();
    c.raft('2').readIndex(77);
    c.stabilize();
    expect(c.n('2').readStates).toEqual([{ ctx: 77, status: 'ready', index: 2, mode: 'readIndex' }]);
  });

  it('without a known leader it is dropped as notLeader with no hint', () => {
    const h = makeNode('2', ['1', '2', '3']);
    h.node.readIndex(1);
    expect(h.drain().readStates).toEqual([
      { ctx: 1, status: 'dropped', reason: 'notLeader', leaderHint: null },
    ]);
  });

  it('on a candidate it is dropped as notLeader', () => {
    const h = makeNode('2', ['1', '2', '3'], { preVote: false });
    h.node.campaign();
    h.drain();
    h.node.readIndex(2);
    expect(h.drain().readStates).toEqual([
      { ctx: 2, status: 'dropped', reason: 'notLeader', leaderHint: null },
    ]);
  });

  it('a forwarded read that gets no answer ends dropped (timeout) after an election timeout', () => {
    const c = new Cluster(['1', '2', '3'], { config: { electionTicks: 10 } });
    c.elect('1');
    c.cutLink('1', '2'); // the answer (and heartbeats) cannot reach 2
    c.raft('2').readIndex(8);
    c.ticks(10, ['2']);
    expect(c.n('2').readStates).toEqual([{ ctx: 8, status: 'dropped', reason: 'timeout', leaderHint: '1' }]);
  });

  it('a forwarded read is dropped with termChanged when the follower moves to a new term', () => {
    const c = new Cluster(['1', '2', '3'], { config: { preVote: false } });
    c.elect('1');
    c.cutLink('1', '2');
    c.raft('2').readIndex(4);
    c.processAll();
    c.queue = [];
    c.raft('2').campaign(); // term changes before any answer
    c.processAll();
    expect(c.n('2').readStates).toEqual([
      { ctx: 4, status: 'dropped', reason: 'termChanged', leaderHint: null },
    ]);
  });

  it('a node that is not the leader rejects forwarded reads; the asker reports notLeader', () => {
    const h = makeNode('3', ['1', '2', '3']);
    const d = h.stepAll({ type: 'readIndex', from: '2', to: '3', term: 0, ctx: 1 });
    expect(ofType(d.messages, 'readIndexResp')).toEqual([
      { type: 'readIndexResp', from: '3', to: '2', term: 0, ctx: 1, reject: true, index: 0 },
    ]);
  });

  it('rejects a non-numeric ctx with a typed error, changing nothing', () => {
    const h = makeNode('2', ['1', '2', '3']);
    expect(() => h.node.readIndex(Number.NaN)).toThrow(/ctx/);
    expect(h.node.hasReady()).toBe(false);
    expect(() => h.node.readIndex(1, 'bogus' as never)).toThrow(/read mode/);
  });
});
