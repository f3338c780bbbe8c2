/**
 * Raft paper §5.1: terms act as a logical clock. Ported behaviours of
 * etcd/raft raft_paper_test.go (TestFollowerUpdateTermFromMessage, ...,
 * TestRejectStaleTermMessage, TestStartAsFollower).
 */
import { describe, expect, it } from 'vitest';
import { append, appendResp, entry, heartbeat, vote } from './helpers/builders.js';
import { makeLeader, makeNode } from './helpers/single.js';

const peers = ['1', '2', '3'];

describe('§5.1 a server that sees a higher term updates its term and becomes follower', () => {
  it('follower adopts the term and the leader of a higher-term append', () => {
    const h = makeNode('1', peers, {}, { hardState: { term: 1, vote: null, commit: 0 } });
    h.stepAll(append('2', '1', 2, 0, 0));
    expect(h.status).toMatchObject({ role: 'follower', term: 2, leader: '2', vote: null });
  });

  it('candidate steps down on a higher-term append (reason higherTerm)', () => {
    const h = makeNode('1', peers, { preVote: false });
    h.node.campaign();
    h.drain();
    expect(h.status.role).toBe('candidate');
    const d = h.stepAll(append('2', '1', 5, 0, 0));
    expect(h.status).toMatchObject({ role: 'follower', term: 5, leader: '2' });
    expect(d.transitions).toContainEqual({
      node: '1',
      from: 'candidate',
      to: 'follower',
      term: 5,
      reason: 'higherTerm',
    });
  });

  it('pre-candidate steps down on a higher-term heartbeat', () => {
    const h = makeNode('1', peers);
    h.node.campaign();
    h.drain();
    expect(h.status.role).toBe('preCandidate');
    h.stepAll(heartbeat('3', '1', 4));
    expect(h.status).toMatchObject({ role: 'follower', term: 4, leader: '3' });
  });

  it('leader steps down when a response carries a higher term', () => {
    const h = makeNode('1', peers);
    makeLeader(h);
    const term = h.status.term;
    const d = h.stepAll(appendResp('2', '1', term + 3, 0));
    expect(h.status).toMatchObject({ role: 'follower', term: term + 3, leader: null });
    expect(d.transitions.at(-1)).toMatchObject({ from: 'leader', to: 'follower', reason: 'higherTerm' });
  });

  it('adopting a higher term forgets the previous vote, and persists both before replying', () => {
    const h = makeNode(
      '1',
      peers,
      { preVote: false, leaderStickiness: false },
      { hardState: { term: 2, vote: '3', commit: 0 } },
    );
    const d = h.stepAll(vote('2', '1', 3, 0, 0));
    // Granted the new term's vote; hardState and the response leave in the same Ready (persist first).
    expect(d.hardStates.at(-1)).toEqual({ term: 3, vote: '2', commit: 0 });
    expect(d.messages).toEqual([{ type: 'voteResp', from: '1', to: '2', term: 3, reject: false }]);
    expect(h.storage.initialState().hardState).toEqual({ term: 3, vote: '2', commit: 0 });
  });
});

describe('§5.1 a server rejects requests with a stale term', () => {
  it('a stale append is not applied; the stale leader is told the newer term (CheckQuorum/PreVote on)', () => {
    const h = makeNode('1', peers, {}, { hardState: { term: 3, vote: null, commit: 0 } });
    const d = h.stepAll(append('2', '1', 2, 0, 0, [entry(1, 2, 'old')]));
    expect(h.status.lastIndex).toBe(0);
    expect(d.messages).toEqual([appendResp('1', '2', 3, 0)]);
  });

  it('with CheckQuorum and Pre-Vote off a stale append is silently ignored', () => {
    const h = makeNode(
      '1',
      peers,
      { checkQuorum: false, preVote: false },
      { hardState: { term: 3, vote: null, commit: 0 } },
    );
    const d = h.stepAll(append('2', '1', 2, 0, 0, [entry(1, 2)]));
    expect(d.messages).toEqual([]);
    expect(h.status.lastIndex).toBe(0);
  });

  it('a stale vote request is not granted', () => {
    const h = makeNode('1', peers, { preVote: false }, { hardState: { term: 3, vote: null, commit: 0 } });
    const d = h.stepAll(vote('2', '1', 2, 5, 2));
    expect(d.messages.filter((m) => m.type === 'voteResp' && !m.reject)).toEqual([]);
    expect(h.status.vote).toBeNull();
  });

  it('a stale leader that is told the newer term steps down', () => {
    const h = makeNode('1', peers);
    makeLeader(h);
    const t = h.status.term;
    h.stepAll(appendResp('3', '1', t + 1, 0));
    expect(h.status.role).toBe('follower');
    expect(h.status.term).toBe(t + 1);
  });
});

describe('§5.2 servers start as followers', () => {
  it('a new node is a follower at term 0 and reports a restart transition', () => {
    const h = makeNode('1', peers);
    expect(h.status).toMatchObject({ role: 'follower', term: 0, leader: null, vote: null, commitIndex: 0 });
    const fresh = makeNode('2', peers);
    expect(fresh.status.role).toBe('follower');
  });

  it('a restarted node keeps its persisted term, vote and commit and starts as follower', () => {
    const entries = [entry(1, 1), entry(2, 2)];
    const h = makeNode('1', peers, {}, { entries, hardState: { term: 2, vote: '2', commit: 2 } });
    expect(h.status).toMatchObject({ role: 'follower', term: 2, vote: '2', commitIndex: 2, lastIndex: 2 });
  });
});
