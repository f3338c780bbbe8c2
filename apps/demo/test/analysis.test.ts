import { describe, expect, it } from 'vitest';
import { electionStats, leaderTenures, longestStaleLeadership, sameTermLeaders } from '../src/analysis.js';
import type { LifecycleView, RoleName, TransitionView } from '../src/model.js';

const tr = (
  node: string,
  from: RoleName,
  to: RoleName,
  term: number,
  at: number,
  reason = 'x',
): TransitionView => ({
  node,
  from,
  to,
  term,
  reason,
  at,
});

describe('leader tenures and stale leadership', () => {
  it('measures how long a deposed leader went on leading after its successor was elected', () => {
    const transitions = [
      tr('n1', 'candidate', 'leader', 1, 100),
      tr('n2', 'candidate', 'leader', 2, 500), // n1 is cut off and still leads term 1
      tr('n1', 'leader', 'follower', 1, 740, 'lostQuorum'),
      tr('n3', 'candidate', 'leader', 3, 900),
      tr('n2', 'leader', 'follower', 2, 890, 'transferred'), // stepped down before n3 won: not stale
    ];
    const tenures = leaderTenures(transitions, [], 1000);
    expect(tenures).toEqual([
      { node: 'n1', term: 1, from: 100, to: 740 },
      { node: 'n2', term: 2, from: 500, to: 890 },
      { node: 'n3', term: 3, from: 900, to: 1000 },
    ]);
    expect(longestStaleLeadership(tenures)).toEqual({ node: 'n1', term: 1, ms: 240 });
  });

  it('ends a tenure when the leader is killed, and reports null when nobody outlived their term', () => {
    const lifecycle: LifecycleView[] = [{ node: 'n1', at: 300, kind: 'down' }];
    const tenures = leaderTenures(
      [tr('n1', 'candidate', 'leader', 1, 100), tr('n2', 'candidate', 'leader', 2, 600)],
      lifecycle,
      1000,
    );
    expect(tenures[0]).toEqual({ node: 'n1', term: 1, from: 100, to: 300 });
    expect(longestStaleLeadership(tenures)).toBeNull();
  });
});

describe('election statistics', () => {
  it('counts elections, campaigns and pre-votes from the transitions alone', () => {
    const transitions = [
      tr('n1', 'follower', 'follower', 0, 1, 'restart'),
      tr('n1', 'follower', 'preCandidate', 0, 10, 'electionTimeout'),
      tr('n1', 'preCandidate', 'candidate', 1, 20, 'preVoteWon'),
      tr('n1', 'candidate', 'leader', 1, 30, 'voteWon'),
      tr('n2', 'follower', 'preCandidate', 1, 40, 'electionTimeout'),
      tr('n2', 'preCandidate', 'candidate', 2, 50, 'preVoteWon'),
      tr('n1', 'leader', 'follower', 2, 55, 'higherTerm'),
      tr('n2', 'candidate', 'leader', 2, 60, 'voteWon'),
      tr('n3', 'follower', 'candidate', 3, 70, 'timeoutNow'),
      tr('n3', 'candidate', 'follower', 4, 80, 'higherTerm'), // a campaign that did not win
    ];
    expect(electionStats(transitions)).toEqual({
      elections: 2,
      campaigns: 3,
      preVotes: 2,
      maxTerm: 4,
      leaders: [
        { term: 1, node: 'n1' },
        { term: 2, node: 'n2' },
      ],
    });
    expect(electionStats([])).toEqual({ elections: 0, campaigns: 0, preVotes: 0, maxTerm: 0, leaders: [] });
  });

  it('finds two leaders claiming one term', () => {
    const claims = new Map<number, Set<string>>([
      [1, new Set(['n1'])],
      [2, new Set(['n2'])],
    ]);
    expect(sameTermLeaders(claims)).toEqual([]);
    claims.get(2)!.add('n3');
    expect(sameTermLeaders(claims)).toEqual([{ term: 2, nodes: ['n2', 'n3'] }]);
  });
});
