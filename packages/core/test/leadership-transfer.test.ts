/**
 * Leadership transfer (Raft thesis §3.10): catch the target up, send it
 * TimeoutNow; it campaigns at once, skipping Pre-Vote, with votes marked as a
 * transfer so leader stickiness does not block them.
 */
import { InvalidArgumentError, NotLeaderError } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { bytes, ofType } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';

describe('leadership transfer', () => {
  it('to an up-to-date follower: TimeoutNow at once, the target wins, the old leader reports transferred', () => {
    const c = new Cluster(['1', '2', '3']);
    c.elect('1');
    c.raft('1').transferLeadership('2');
    c.processReady('1');
    expect(ofType(c.queue, 'timeoutNow')).toEqual([{ type: 'timeoutNow', from: '1', to: '2', term: 1 }]);
    c.stabilize();
    expect(c.n('2').role).toBe('leader');
    expect(c.n('2').term).toBe(2);
    expect(c.n('2').transitions.slice(-2)).toEqual([
      { node: '2', from: 'follower', to: 'candidate', term: 2, reason: 'timeoutNow' },
      { node: '2', from: 'candidate', to: 'leader', term: 2, reason: 'voteWon' },
    ]);
    expect(c.n('1').transitions.at(-1)).toEqual({
      node: '1',
      from: 'leader',
      to: 'follower',
      term: 2,
      reason: 'transferred',
    });
  });

  it('the target skips Pre-Vote and its vote requests carry transfer: true (overriding stickiness)', () => {
    const c = new Cluster(['1', '2', '3'], { config: { preVote: true, leaderStickiness: true } });
    c.elect('1');
    c.raft('1').transferLeadership('3');
    c.processAll();
    c.deliverQueued(); // timeoutNow reaches 3
    c.processAll();
    const votes = ofType(c.queue, 'vote');
    expect(votes.length).toBe(2);
    for (const v of votes) expect(v.transfer).toBe(true);
    expect(ofType(c.queue, 'preVote')).toEqual([]);
    c.stabilize();
    expect(c.n('3').role).toBe('leader');
  });

  it('a lagging target is caught up before it gets TimeoutNow', () => {
    const c = new Cluster(['1', '2', '3']);
    c.elect('1');
    c.isolate('3');
    for (let i = 0; i < 5; i++) c.propose('1', bytes(`e${i}`));
    c.stabilize();
    c.heal();
    c.raft('1').transferLeadership('3');
    const sentToThree: string[] = [];
    for (let i = 0; i < 50; i++) {
      c.processAll();
      for (const m of c.queue) if (m.from === '1' && m.to === '3') sentToThree.push(m.type);
      if (c.queue.length === 0) break;
      c.deliverQueued();
    }
    expect(sentToThree.indexOf('timeoutNow')).toBeGreaterThan(sentToThree.indexOf('append'));
    expect(c.n('3').role).toBe('leader');
    expect(c.raft('3').status().lastIndex).toBe(7); // no-op(1) + 5 entries + its own no-op
  });

  it("proposals during a transfer are dropped as 'transferring' with the target as hint", () => {
    const c = new Cluster(['1', '2', '3']);
    c.elect('1');
    c.isolate('2');
    c.raft('1').transferLeadership('2');
    const id = c.propose('1', bytes('x'));
    c.processAll();
    expect(c.n('1').outcomes).toContainEqual({
      id,
      status: 'dropped',
      reason: 'transferring',
      leaderHint: '2',
    });
    expect(c.raft('1').status().transferee).toBe('2');
  });

  it('a transfer that does not complete within an election timeout is aborted; proposals work again', () => {
    const c = new Cluster(['1', '2', '3'], { config: { electionTicks: 10 } });
    c.elect('1');
    c.cutLink('1', '2'); // TimeoutNow never arrives; 3 keeps the quorum alive
    c.raft('1').transferLeadership('2');
    c.ticks(10, ['1', '3']);
    expect(c.n('1').role).toBe('leader');
    expect(c.raft('1').status().transferee).toBeNull();
    const id = c.propose('1', bytes('y'));
    c.stabilize();
    expect(c.n('1').outcomes.find((o) => o.id === id)?.status).toBe('committed');
  });

  it('transferLeadership on a follower throws NotLeaderError with the leader hint', () => {
    const c = new Cluster(['1', '2', '3']);
    c.elect('1');
    try {
      c.raft('2').transferLeadership('3');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NotLeaderError);
      expect((e as NotLeaderError).leaderHint).toBe('1');
    }
  });

  it('to a learner or an unknown node it throws InvalidArgumentError; to itself it is a no-op', () => {
    const c = new Cluster(['1', '2'], { learners: ['3'] });
    c.elect('1');
    expect(() => c.raft('1').transferLeadership('3')).toThrow(InvalidArgumentError);
    expect(() => c.raft('1').transferLeadership('zz')).toThrow(InvalidArgumentError);
    c.raft('1').transferLeadership('1');
    expect(c.raft('1').status().transferee).toBeNull();
    expect(c.n('1').role).toBe('leader');
  });
});
