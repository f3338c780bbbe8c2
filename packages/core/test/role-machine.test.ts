import { roleMachine } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { bytes } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';

describe('roleMachine: the XState statechart of Raft roles', () => {
  it('has exactly the four role states and starts as follower', () => {
    expect(Object.keys(roleMachine.root.states).sort()).toEqual([
      'candidate',
      'follower',
      'leader',
      'preCandidate',
    ]);
    expect(roleMachine.config.initial).toBe('follower');
  });

  it('names its guard and actions for tools', () => {
    expect(Object.keys(roleMachine.implementations.guards)).toContain('preVoteEnabled');
    expect(Object.keys(roleMachine.implementations.actions)).toEqual(
      expect.arrayContaining(['enterRole', 'adoptTerm']),
    );
  });

  it('runs standalone: an election timeout leads to preCandidate only when Pre-Vote is on', () => {
    const withPre = createActor(roleMachine, { input: { preVote: true } }).start();
    withPre.send({ type: 'ELECTION_TIMEOUT' });
    expect(withPre.getSnapshot().value).toBe('preCandidate');
    withPre.send({ type: 'PRE_VOTE_WON' });
    withPre.send({ type: 'VOTE_WON' });
    expect(withPre.getSnapshot().value).toBe('leader');
    withPre.send({ type: 'LOST_QUORUM' });
    expect(withPre.getSnapshot().value).toBe('follower');

    const noPre = createActor(roleMachine, { input: { preVote: false } }).start();
    noPre.send({ type: 'ELECTION_TIMEOUT' });
    expect(noPre.getSnapshot().value).toBe('candidate');
  });

  it('TIMEOUT_NOW skips Pre-Vote; events that make no sense in a state are ignored', () => {
    const a = createActor(roleMachine, { input: { preVote: true } }).start();
    a.send({ type: 'VOTE_WON' });
    a.send({ type: 'LOST_QUORUM' });
    expect(a.getSnapshot().value).toBe('follower');
    a.send({ type: 'TIMEOUT_NOW' });
    expect(a.getSnapshot().value).toBe('candidate');
    a.send({ type: 'VOTE_WON' });
    a.send({ type: 'ELECTION_TIMEOUT' });
    a.send({ type: 'CAMPAIGN' });
    expect(a.getSnapshot().value).toBe('leader');
    a.send({ type: 'TRANSFERRED', term: 9 });
    expect(a.getSnapshot().value).toBe('follower');
  });

  it('every role change of a RaftNode is reported, as one consistent chain per node', () => {
    const c = new Cluster(['1', '2', '3', '4', '5'], { seed: 12 });
    for (let round = 0; round < 4; round++) {
      c.tickUntil(() => c.leader() !== undefined);
      const l = c.leader()!;
      c.propose(l.id, bytes(`r${round}`));
      c.ticks(3);
      c.isolate(l.id);
      c.ticks(30);
      c.heal();
    }
    for (const id of c.ids) {
      const ts = c.n(id).transitions;
      expect(ts[0]).toMatchObject({ from: 'follower', to: 'follower', reason: 'restart', term: 0 });
      for (let i = 1; i < ts.length; i++) {
        expect(ts[i].from).toBe(ts[i - 1].to);
        expect(ts[i].term).toBeGreaterThanOrEqual(ts[i - 1].term);
      }
      expect(ts.at(-1)!.to).toBe(c.n(id).role);
    }
    const reasons = new Set(c.ids.flatMap((id) => c.n(id).transitions.map((t) => t.reason)));
    for (const r of ['restart', 'electionTimeout', 'preVoteWon', 'voteWon', 'lostQuorum'])
      expect(reasons).toContain(r);
  });
});
