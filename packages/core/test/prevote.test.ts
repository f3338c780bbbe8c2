/**
 * Pre-Vote (Raft thesis §9.6) and the split-brain scenario it exists for.
 * Behaviours from etcd/raft testdata/prevote.txt, prevote_checkquorum.txt
 * and the TestPreVote* unit tests.
 */
import { describe, expect, it } from 'vitest';
import { append, bytes, heartbeat, ofType, vote, voteResp } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { makeNode } from './helpers/single.js';

describe('Pre-Vote: a pre-candidate polls without bumping its term', () => {
  it('on election timeout it becomes preCandidate, keeps term and vote, and asks with term+1', () => {
    const h = makeNode('1', ['1', '2', '3'], {}, { hardState: { term: 4, vote: '2', commit: 0 } });
    h.node.campaign();
    const d = h.drain();
    expect(h.status).toMatchObject({ role: 'preCandidate', term: 4, vote: '2' });
    expect(d.hardStates).toEqual([]); // nothing to persist: no term change
    expect(ofType(d.messages, 'preVote')).toEqual([
      vote('1', '2', 5, 0, 0, { pre: true }),
      vote('1', '3', 5, 0, 0, { pre: true }),
    ]);
  });

  it('a granted pre-vote does not change the voter: no term bump, no vote recorded', () => {
    const h = makeNode(
      '2',
      ['1', '2', '3'],
      { leaderStickiness: false },
      { hardState: { term: 4, vote: null, commit: 0 } },
    );
    const d = h.stepAll(vote('1', '2', 5, 0, 0, { pre: true }));
    expect(d.messages).toEqual([voteResp('2', '1', 5, false, true)]);
    expect(h.status).toMatchObject({ term: 4, vote: null });
    expect(d.hardStates).toEqual([]);
  });

  it('a quorum of pre-votes makes it a candidate of term+1 (reason preVoteWon)', () => {
    const h = makeNode('1', ['1', '2', '3']);
    h.node.campaign();
    h.drain();
    const d = h.stepAll(voteResp('2', '1', 1, false, true));
    expect(h.status).toMatchObject({ role: 'candidate', term: 1, vote: '1' });
    expect(d.transitions[0]).toMatchObject({
      from: 'preCandidate',
      to: 'candidate',
      reason: 'preVoteWon',
      term: 1,
    });
    expect(ofType(d.messages, 'vote').map((m) => m.term)).toEqual([1, 1]);
  });

  it('a quorum of pre-vote rejections sends it back to follower at the same term (preVoteLost)', () => {
    const h = makeNode('1', ['1', '2', '3'], {}, { hardState: { term: 2, vote: null, commit: 0 } });
    h.node.campaign();
    h.drain();
    const d = h.stepAll(voteResp('2', '1', 2, true, true), voteResp('3', '1', 2, true, true));
    expect(h.status).toMatchObject({ role: 'follower', term: 2 });
    expect(d.transitions.at(-1)).toMatchObject({
      from: 'preCandidate',
      to: 'follower',
      reason: 'preVoteLost',
    });
  });

  it('a pre-vote rejection carrying a higher term makes the pre-candidate adopt it', () => {
    const h = makeNode('1', ['1', '2', '3'], {}, { hardState: { term: 2, vote: null, commit: 0 } });
    h.node.campaign();
    h.drain();
    const d = h.stepAll(voteResp('2', '1', 7, true, true));
    expect(h.status).toMatchObject({ role: 'follower', term: 7 });
    expect(d.transitions.at(-1)).toMatchObject({ reason: 'higherTerm' });
  });

  it('a pre-candidate that hears from a leader of its own term becomes its follower', () => {
    const h = makeNode('1', ['1', '2', '3'], {}, { hardState: { term: 3, vote: null, commit: 0 } });
    h.node.campaign();
    h.drain();
    const d = h.stepAll(append('2', '1', 3, 0, 0));
    expect(h.status).toMatchObject({ role: 'follower', term: 3, leader: '2' });
    expect(d.transitions.at(-1)).toMatchObject({
      from: 'preCandidate',
      to: 'follower',
      reason: 'leaderDiscovered',
    });
  });

  it('a pre-vote from a stale term is rejected with our term', () => {
    const h = makeNode('2', ['1', '2', '3'], {}, { hardState: { term: 5, vote: null, commit: 0 } });
    const d = h.stepAll(vote('1', '2', 3, 10, 2, { pre: true }));
    expect(d.messages).toEqual([voteResp('2', '1', 5, true, true)]);
  });

  it('a node still polling when the timeout fires polls again (preCandidate -> preCandidate)', () => {
    const h = makeNode('1', ['1', '2', '3']);
    h.node.campaign();
    h.drain();
    const d = h.ticks(25);
    expect(d.transitions.some((t) => t.from === 'preCandidate' && t.to === 'preCandidate')).toBe(true);
    expect(h.status.term).toBe(0);
  });
});

function partitionedFollowerRejoins(config: {
  preVote: boolean;
  leaderStickiness: boolean;
  checkQuorum?: boolean;
}) {
  const c = new Cluster(['1', '2', '3'], { seed: 5, config });
  c.elect('1');
  c.ticks(3);
  const termBefore = c.n('1').term;
  c.isolate('3');
  c.ticks(100);
  const isolatedTerm = c.n('3').term;
  c.heal();
  c.ticks(40);
  return { c, termBefore, isolatedTerm };
}

describe('split brain: a partitioned follower that rejoins', () => {
  it('does NOT depose a healthy leader with Pre-Vote on (its term never moved while isolated)', () => {
    const { c, termBefore, isolatedTerm } = partitionedFollowerRejoins({
      preVote: true,
      leaderStickiness: true,
    });
    expect(isolatedTerm).toBe(termBefore);
    expect(c.leader()?.id).toBe('1');
    expect(c.n('1').term).toBe(termBefore);
    expect(c.n('1').transitions.filter((t) => t.from === 'leader')).toEqual([]);
    expect(c.raft('3').status().leader).toBe('1');
  });

  it('DOES depose it with Pre-Vote and leader stickiness off (the defence is what prevents it)', () => {
    const { c, termBefore, isolatedTerm } = partitionedFollowerRejoins({
      preVote: false,
      leaderStickiness: false,
    });
    expect(isolatedTerm).toBeGreaterThan(termBefore + 3);
    const stepDown = c.n('1').transitions.find((t) => t.from === 'leader');
    expect(stepDown).toMatchObject({ to: 'follower', reason: 'higherTerm' });
    expect(c.leader()!.term).toBeGreaterThan(isolatedTerm - 1);
  });

  it('with Pre-Vote off, stickiness alone does not save the leader: the higher term reaches it via the stale-term reply', () => {
    const { c, termBefore } = partitionedFollowerRejoins({ preVote: false, leaderStickiness: true });
    expect(c.n('1').transitions.some((t) => t.from === 'leader' && t.reason === 'higherTerm')).toBe(true);
    expect(c.leader()!.term).toBeGreaterThan(termBefore);
  });

  it('Pre-Vote without stickiness still protects a leader that committed entries meanwhile (the rejoiner is behind)', () => {
    const c = new Cluster(['1', '2', '3'], { seed: 9, config: { preVote: true, leaderStickiness: false } });
    c.elect('1');
    c.isolate('3');
    c.propose('1', bytes('while-away'));
    c.ticks(60);
    c.heal();
    c.ticks(60);
    expect(c.leader()?.id).toBe('1');
    expect(c.n('1').transitions.filter((t) => t.from === 'leader')).toEqual([]);
  });
});

describe('etcd "ignore or respond": a node ahead in term answers a stale leader so it steps down', () => {
  it('a node with a higher term answers a stale heartbeat with its term, which deposes the stale leader', () => {
    const c = new Cluster(['1', '2', '3'], { config: { preVote: true } });
    c.elect('1');
    // 3 got to a higher term somehow (e.g. a partition without pre-vote); the leader keeps beating.
    const hs = c.n('3').storage.initialState().hardState;
    c.n('3').storage.setHardState({ ...hs, term: hs.term + 5 });
    c.n('3').storage.sync();
    c.restart('3');
    c.tick();
    expect(c.n('1').transitions.at(-1)).toMatchObject({
      from: 'leader',
      to: 'follower',
      reason: 'higherTerm',
    });
    c.tickUntil(() => c.leader() !== undefined);
    expect(c.leader()!.term).toBeGreaterThan(hs.term + 5);
  });

  it('heartbeat into a higher-term node gets an appendResp with the higher term', () => {
    const h = makeNode('3', ['1', '2', '3'], {}, { hardState: { term: 9, vote: null, commit: 0 } });
    const d = h.stepAll(heartbeat('1', '3', 2));
    expect(d.messages).toEqual([
      {
        type: 'appendResp',
        from: '3',
        to: '1',
        term: 9,
        reject: false,
        index: 0,
        hintIndex: 0,
        hintTerm: 0,
        checkpoint: null,
      },
    ]);
  });
});
