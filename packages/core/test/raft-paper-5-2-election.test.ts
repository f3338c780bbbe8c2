/**
 * Raft paper §5.2: leader election. Ported behaviours of etcd/raft
 * raft_paper_test.go (TestFollowerStartElection, TestLeaderElectionInOneRoundRPC,
 * TestFollowerVote, TestCandidateFallback, TestFollowerElectionTimeoutRandomized,
 * TestFollowersElectionTimeoutNonconflict, TestLeaderBcastBeat, ...).
 */
import { describe, expect, it } from 'vitest';
import { append, heartbeat, ofType, vote, voteResp } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { makeLeader, makeNode, tickUntilRoleChanges } from './helpers/single.js';

describe('§5.2 a follower that hears nothing for an election timeout starts an election', () => {
  it('(Pre-Vote off) it becomes candidate, bumps the term, votes for itself and asks every peer', () => {
    const h = makeNode('1', ['1', '2', '3'], { preVote: false });
    tickUntilRoleChanges(h);
    const d = h.drain();
    expect(h.status).toMatchObject({ role: 'candidate', term: 1, vote: '1' });
    expect(d.transitions).toEqual([
      { node: '1', from: 'follower', to: 'candidate', term: 1, reason: 'electionTimeout' },
    ]);
    expect(ofType(d.messages, 'vote')).toEqual([vote('1', '2', 1, 0, 0), vote('1', '3', 1, 0, 0)]);
    expect(d.hardStates.at(-1)).toEqual({ term: 1, vote: '1', commit: 0 });
  });

  it('a candidate that times out starts a new election in a new term', () => {
    const h = makeNode('1', ['1', '2', '3'], { preVote: false });
    tickUntilRoleChanges(h);
    h.drain();
    for (let i = 0; i < 40 && h.status.term === 1; i++) h.node.tick();
    const d = h.drain();
    expect(h.status).toMatchObject({ role: 'candidate', term: 2 });
    expect(d.transitions).toEqual([
      { node: '1', from: 'candidate', to: 'candidate', term: 2, reason: 'electionTimeout' },
    ]);
  });

  it('a learner never starts an election', () => {
    const c = new Cluster(['1', '2'], { learners: ['3'], config: { preVote: false } });
    c.ticks(100, ['3']);
    expect(c.n('3').role).toBe('follower');
    expect(c.n('3').term).toBe(0);
  });
});

describe('§5.2 a candidate wins with votes from a majority', () => {
  const cases: [number, Record<string, boolean>, string][] = [
    [1, {}, 'leader'],
    [3, { 2: true, 3: true }, 'leader'],
    [3, { 2: true }, 'leader'],
    [5, { 2: true, 3: true, 4: true, 5: true }, 'leader'],
    [5, { 2: true, 3: true }, 'leader'],
    [3, { 2: false, 3: false }, 'follower'],
    [5, { 2: false, 3: false, 4: false }, 'follower'],
    [5, { 2: true }, 'candidate'],
    [5, { 2: true, 3: false }, 'candidate'],
    [5, {}, 'candidate'],
  ];
  for (const [size, votes, want] of cases) {
    it(`${size} voters, responses ${JSON.stringify(votes)} -> ${want}`, () => {
      const peers = Array.from({ length: size }, (_, i) => String(i + 1));
      const h = makeNode('1', peers, { preVote: false });
      h.node.campaign();
      h.drain();
      for (const [from, granted] of Object.entries(votes)) h.node.step(voteResp(from, '1', 1, !granted));
      h.drain();
      expect(h.status.role).toBe(want);
      expect(h.status.term).toBe(1);
    });
  }

  it('the new leader appends a no-op entry of its term and sends it to every follower', () => {
    const h = makeNode('1', ['1', '2', '3']);
    const d = makeLeader(h);
    expect(d.entries.at(-1)).toMatchObject({ index: 1, term: 1, type: 1 });
    const apps = ofType(d.messages, 'append');
    expect(apps.map((m) => m.to).sort()).toEqual(['2', '3']);
    expect(apps[0].entries.map((e) => e.type)).toEqual([1]);
  });

  it('a candidate that loses (majority rejects) returns to follower with reason voteLost', () => {
    const h = makeNode('1', ['1', '2', '3'], { preVote: false });
    h.node.campaign();
    h.drain();
    h.node.step(voteResp('2', '1', 1, true));
    h.node.step(voteResp('3', '1', 1, true));
    const d = h.drain();
    expect(d.transitions.at(-1)).toMatchObject({ from: 'candidate', to: 'follower', reason: 'voteLost' });
  });
});

describe('§5.2 each server votes for at most one candidate per term, first come first served', () => {
  it('grants the first request and rejects a second candidate in the same term', () => {
    const h = makeNode('1', ['1', '2', '3'], { preVote: false });
    const d1 = h.stepAll(vote('2', '1', 1, 0, 0));
    const d2 = h.stepAll(vote('3', '1', 1, 0, 0));
    expect(d1.messages).toEqual([voteResp('1', '2', 1, false)]);
    expect(d2.messages).toEqual([voteResp('1', '3', 1, true)]);
  });

  it('grants again to the candidate it already voted for (a retransmitted request)', () => {
    const h = makeNode(
      '1',
      ['1', '2', '3'],
      { preVote: false },
      { hardState: { term: 1, vote: '2', commit: 0 } },
    );
    const d = h.stepAll(vote('2', '1', 1, 0, 0));
    expect(d.messages).toEqual([voteResp('1', '2', 1, false)]);
  });

  it('a follower that knows the leader of the term does not vote in it', () => {
    const h = makeNode('1', ['1', '2', '3'], { preVote: false, leaderStickiness: false });
    h.stepAll(heartbeat('2', '1', 1));
    const d = h.stepAll(vote('3', '1', 1, 0, 0));
    expect(d.messages).toEqual([voteResp('1', '3', 1, true)]);
  });

  it('granting a vote restarts the election timer', () => {
    const h = makeNode('1', ['1', '2', '3'], { preVote: false, electionTicks: 10 });
    for (let i = 0; i < 9; i++) h.node.tick();
    h.stepAll(vote('2', '1', 1, 0, 0));
    const ticks = tickUntilRoleChanges(h);
    expect(ticks).toBeGreaterThanOrEqual(10);
  });
});

describe('§5.2 a candidate that hears from the leader of its term returns to follower', () => {
  it('candidate -> follower on an append of the same term (reason leaderDiscovered)', () => {
    const h = makeNode('1', ['1', '2', '3'], { preVote: false });
    h.node.campaign();
    h.drain();
    const d = h.stepAll(append('2', '1', 1, 0, 0));
    expect(h.status).toMatchObject({ role: 'follower', term: 1, leader: '2' });
    expect(d.transitions.at(-1)).toMatchObject({
      from: 'candidate',
      to: 'follower',
      reason: 'leaderDiscovered',
    });
  });

  it('candidate -> follower on a heartbeat of the same term', () => {
    const h = makeNode('1', ['1', '2', '3'], { preVote: false });
    h.node.campaign();
    h.drain();
    h.stepAll(heartbeat('3', '1', 1));
    expect(h.status).toMatchObject({ role: 'follower', leader: '3' });
  });
});

describe('§5.2 randomized election timeouts', () => {
  it('a follower times out after a tick count drawn from [electionTicks, 2*electionTicks)', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 60; seed++) {
      const h = makeNode('1', ['1', '2', '3'], { seed, electionTicks: 10, preVote: false });
      const t = tickUntilRoleChanges(h);
      expect(t).toBeGreaterThanOrEqual(10);
      expect(t).toBeLessThan(20);
      seen.add(t);
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('peers sharing one seed still draw different timeouts (split votes are rare)', () => {
    const peers = ['1', '2', '3', '4', '5'];
    let conflicts = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const times = peers.map((id) => tickUntilRoleChanges(makeNode(id, peers, { seed, preVote: false })));
      if (new Set(times).size < times.length) conflicts++;
    }
    // Five draws from ten values collide often by chance; they must not collide always.
    expect(conflicts).toBeLessThan(40);
  });

  it('split votes resolve: three nodes campaigning at once end with exactly one leader', () => {
    const c = new Cluster(['1', '2', '3'], { config: { preVote: false } });
    for (const id of c.ids) c.raft(id).campaign();
    c.stabilize();
    expect(c.leaders().length).toBe(0); // everyone voted for itself
    c.tickUntil(() => c.leaders().length === 1);
    c.ticks(30);
    expect(c.leaders().length).toBe(1);
  });
});

describe('§5.2 elections in clusters of 1, 3 and 5', () => {
  it('a single node elects itself after its election timeout and commits its no-op at once', () => {
    const c = new Cluster(['1']);
    c.tickUntil(() => c.leader() !== undefined, 40);
    expect(c.n('1').applied.map((e) => e.index)).toEqual([1]);
  });

  for (const size of [3, 5]) {
    it(`${size} nodes driven by ticks elect exactly one leader that everyone follows`, () => {
      const ids = Array.from({ length: size }, (_, i) => `n${i}`);
      const c = new Cluster(ids, { seed: 7 });
      c.tickUntil(() => c.leader() !== undefined);
      c.ticks(5);
      const l = c.leader()!;
      expect(c.leaders()).toHaveLength(1);
      for (const id of ids) expect(c.raft(id).status().leader).toBe(l.id);
    });
  }
});

describe('§5.2 leaders send heartbeats every heartbeatTicks', () => {
  it('heartbeats go to every follower with min(match, commit)', () => {
    const h = makeNode('1', ['1', '2', '3'], { heartbeatTicks: 2 });
    makeLeader(h);
    expect(h.ticks(1).messages.filter((m) => m.type === 'heartbeat')).toEqual([]);
    const beats = ofType(h.ticks(1).messages, 'heartbeat');
    expect(beats.map((m) => m.to).sort()).toEqual(['2', '3']);
    for (const b of beats) expect(b.commit).toBe(0); // nothing matched yet
  });
});
