/**
 * Leader stickiness: a node that heard from a live leader within the election
 * timeout ignores (pre-)votes; leadership transfer overrides it.
 */
import { describe, expect, it } from 'vitest';
import { heartbeat, ofType, vote } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { makeLeader, makeNode } from './helpers/single.js';

describe('leader stickiness', () => {
  it('a follower that just heard from its leader ignores a higher-term vote request (no reply, no term change)', () => {
    const h = makeNode('2', ['1', '2', '3'], { preVote: false });
    h.stepAll(heartbeat('1', '2', 1));
    const d = h.stepAll(vote('3', '2', 2, 5, 1));
    expect(d.messages).toEqual([]);
    expect(h.status).toMatchObject({ term: 1, vote: null, leader: '1' });
  });

  it('it ignores pre-votes as well', () => {
    const h = makeNode('2', ['1', '2', '3']);
    h.stepAll(heartbeat('1', '2', 1));
    const d = h.stepAll(vote('3', '2', 2, 5, 1, { pre: true }));
    expect(d.messages).toEqual([]);
  });

  it('once an election timeout passes without the leader, it votes again', () => {
    const h = makeNode('2', ['1', '2', '3'], { preVote: false, electionTicks: 10, seed: 3 });
    h.stepAll(heartbeat('1', '2', 1));
    for (let i = 0; i < 10; i++) h.node.tick();
    h.drain();
    const d = h.stepAll(vote('3', '2', 2, 5, 1));
    expect(ofType(d.messages, 'voteResp')[0]).toMatchObject({ reject: false, term: 2 });
  });

  it('a restarted node refuses (pre-)votes for its first election timeout: its memory of the leader is gone', () => {
    const h = makeNode(
      '2',
      ['1', '2', '3'],
      { preVote: false, electionTicks: 10 },
      { hardState: { term: 3, vote: null, commit: 0 } },
    );
    expect(h.stepAll(vote('3', '2', 4, 0, 0), vote('1', '2', 4, 0, 0, { pre: true })).messages).toEqual([]);
    for (let i = 0; i < 10; i++) h.node.tick();
    h.drain();
    if (h.status.role === 'follower') {
      expect(ofType(h.stepAll(vote('3', '2', 9, 0, 0)).messages, 'voteResp')[0]).toMatchObject({
        reject: false,
      });
    }
    // A brand-new node (term 0) has acknowledged nobody: it votes at once.
    const fresh = makeNode('2', ['1', '2', '3'], { preVote: false });
    expect(ofType(fresh.stepAll(vote('3', '2', 1, 0, 0)).messages, 'voteResp')[0]).toMatchObject({
      reject: false,
    });
  });

  it('a vote marked as a leadership transfer overrides stickiness', () => {
    const h = makeNode('2', ['1', '2', '3'], { preVote: false });
    h.stepAll(heartbeat('1', '2', 1));
    const d = h.stepAll(vote('3', '2', 2, 5, 1, { transfer: true }));
    expect(ofType(d.messages, 'voteResp')[0]).toMatchObject({ reject: false, term: 2 });
    expect(h.status.vote).toBe('3');
  });

  it('with stickiness off a follower grants a higher-term vote despite a live leader', () => {
    const h = makeNode('2', ['1', '2', '3'], { preVote: false, leaderStickiness: false });
    h.stepAll(heartbeat('1', '2', 1));
    const d = h.stepAll(vote('3', '2', 2, 5, 1));
    expect(ofType(d.messages, 'voteResp')[0]).toMatchObject({ reject: false });
  });

  it('the leader itself ignores higher-term (pre-)votes that are not transfers', () => {
    const h = makeNode('1', ['1', '2', '3']);
    makeLeader(h);
    const d = h.stepAll(vote('3', '1', 9, 50, 8), vote('2', '1', 9, 50, 8, { pre: true }));
    expect(d.messages.filter((m) => m.type === 'voteResp' || m.type === 'preVoteResp')).toEqual([]);
    expect(h.status.role).toBe('leader');
  });

  it('campaigning against a live leader fails: the voters do not answer (etcd checkquorum.txt)', () => {
    const c = new Cluster(['1', '2', '3'], { config: { preVote: false } });
    c.elect('1');
    c.raft('2').campaign();
    c.stabilize();
    expect(c.n('2').role).toBe('candidate');
    expect(c.n('1').role).toBe('leader');
    expect(c.n('3').term).toBe(1);
  });

  it('a quorum of nodes that explicitly campaign can still replace the leader (prevote_checkquorum.txt)', () => {
    const c = new Cluster(['1', '2', '3'], { config: { preVote: true } });
    c.elect('3');
    // 1 campaigns first and loses; being a pre-candidate it no longer knows a leader, so it grants 2.
    c.raft('1').campaign();
    c.stabilize();
    expect(c.n('3').role).toBe('leader');
    c.raft('2').campaign();
    c.stabilize();
    expect(c.n('2').role).toBe('leader');
    expect(c.n('2').term).toBe(2);
  });
});
