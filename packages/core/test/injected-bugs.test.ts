/**
 * `@raftkit/core/testing`: deliberate bugs for the simulator. Each one must
 * really break the property it names (else the simulator could not prove it
 * catches it), and none is reachable from a normal config.
 */
import { ConfigError, MemoryStorage, RaftNode } from '@raftkit/core';
import { ALL_INJECTED_BUGS, hasInjectedBug, injectedBugsOf, withInjectedBugs } from '@raftkit/core/testing';
import { describe, expect, it } from 'vitest';
import { heartbeat, ofType, vote } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { runFigure8 } from './helpers/figure8.js';
import { runOverlappingChanges } from './helpers/overlapping-changes.js';
import { persistReady } from './helpers/persist.js';
import { makeNode } from './helpers/single.js';

const base = () => ({ id: '1', peers: ['1', '2', '3'], seed: 1, storage: new MemoryStorage() });

describe('injected bugs: plumbing', () => {
  it('lists every bug, including the membership one', () => {
    expect([...ALL_INJECTED_BUGS].sort()).toEqual(
      [
        'commit-old-term',
        'double-vote',
        'ignore-clock-rate',
        'ignore-incarnation',
        'lease-without-checkquorum',
        'membership-no-current-term-commit',
        'no-prevote-stickiness',
        'reply-before-persist',
      ].sort(),
    );
  });

  it('a normal config carries none; unknown names are refused', () => {
    expect(injectedBugsOf(base()).size).toBe(0);
    expect(() => withInjectedBugs(base(), ['nope' as never])).toThrow(ConfigError);
  });

  it('bugs ride on a private symbol: kept by spread (restart), lost by serialization', () => {
    const cfg = withInjectedBugs(base(), ['reply-before-persist']);
    expect(hasInjectedBug(cfg, 'reply-before-persist')).toBe(true);
    expect(hasInjectedBug({ ...cfg, storage: new MemoryStorage() }, 'reply-before-persist')).toBe(true);
    expect(
      hasInjectedBug(JSON.parse(JSON.stringify({ ...cfg, storage: null })), 'reply-before-persist'),
    ).toBe(false);
    expect(Object.keys(cfg)).not.toContain('injectedBugs');
  });
});

describe("injected bug 'commit-old-term' (Raft Figure 8)", () => {
  it('commits an old-term entry by counting replicas, which a later leader overwrites: divergent applies', () => {
    const { cluster: c, s1CommitOnMajority } = runFigure8((cfg) =>
      withInjectedBugs(cfg, ['commit-old-term']),
    );
    expect(s1CommitOnMajority).toBe(2); // the correct node stays at 1 (see §5.4 test)
    const appliedAt2 = new Set(
      c.ids.flatMap((id) =>
        c
          .n(id)
          .applied.filter((e) => e.index === 2)
          .map((e) => e.term),
      ),
    );
    expect(appliedAt2.size).toBe(2); // state machine safety is broken
  });
});

describe("injected bug 'double-vote'", () => {
  function voteRestartVote(bugs: boolean): boolean {
    const storage = new MemoryStorage();
    const cfg = { id: '1', peers: ['1', '2', '3'], seed: 1, storage, preVote: false };
    const first = new RaftNode(bugs ? withInjectedBugs(cfg, ['double-vote']) : cfg);
    first.step(vote('2', '1', 5, 0, 0));
    const rd = first.ready();
    persistReady(storage, rd);
    first.advance();
    const restarted = new RaftNode(
      bugs ? withInjectedBugs({ ...cfg, storage }, ['double-vote']) : { ...cfg, storage },
    );
    restarted.step(vote('3', '1', 5, 0, 0));
    const resp = ofType(restarted.ready().messages, 'voteResp')[0];
    return !resp.reject;
  }

  it('a restarted node that forgot its vote grants a second candidate in the same term', () => {
    expect(voteRestartVote(false)).toBe(false);
    expect(voteRestartVote(true)).toBe(true);
  });
});

describe("injected bug 'no-prevote-stickiness'", () => {
  it('a follower with a live leader grants (pre-)votes, even pre-votes for a stale log', () => {
    const h = makeNode('2', ['1', '2', '3'], {}, { hardState: { term: 1, vote: null, commit: 0 } });
    h.stepAll(heartbeat('1', '2', 1));
    expect(h.stepAll(vote('3', '2', 2, 0, 0, { pre: true })).messages).toEqual([]);

    const bad = makeNode('2', ['1', '2', '3'], {}, {});
    const storage = new MemoryStorage({
      hardState: { term: 1, vote: null, commit: 0 },
      entries: [{ index: 1, term: 1, type: 0, data: new Uint8Array() }],
    });
    const node = new RaftNode(
      withInjectedBugs({ id: '2', peers: ['1', '2', '3'], seed: 1, storage }, ['no-prevote-stickiness']),
    );
    node.step(heartbeat('1', '2', 1));
    node.step(vote('3', '2', 2, 0, 0, { pre: true })); // stale log, live leader
    expect(ofType(node.ready().messages, 'preVoteResp')[0]).toMatchObject({ reject: false });
    expect(bad.status.role).toBe('follower');
  });
});

describe("injected bug 'lease-without-checkquorum'", () => {
  it('an isolated leader keeps leading and serves lease reads after a new leader was elected', () => {
    const c = new Cluster(['1', '2', '3'], {
      config: { readMode: 'lease' },
      wrapConfig: (cfg) => (cfg.id === '1' ? withInjectedBugs(cfg, ['lease-without-checkquorum']) : cfg),
    });
    c.elect('1');
    c.ticks(3);
    c.isolate('1');
    c.tickUntil(() => c.n('2').role === 'leader' || c.n('3').role === 'leader');
    c.ticks(20);
    expect(c.n('1').role).toBe('leader');
    c.raft('1').readIndex(99);
    c.processAll();
    expect(c.n('1').readStates).toContainEqual({
      ctx: 99,
      status: 'ready',
      index: expect.any(Number),
      mode: 'lease',
    });
  });

  it('also lets lease mode be configured without CheckQuorum', () => {
    const cfg = withInjectedBugs({ ...base(), readMode: 'lease' as const, checkQuorum: false }, [
      'lease-without-checkquorum',
    ]);
    expect(() => new RaftNode(cfg)).not.toThrow();
  });
});

describe("injected bug 'reply-before-persist' (host level)", () => {
  it('shows why order matters: a vote sent before sync is forgotten by a crash, and the node votes twice', () => {
    const storage = new MemoryStorage();
    const cfg = withInjectedBugs({ id: '1', peers: ['1', '2', '3'], seed: 1, storage, preVote: false }, [
      'reply-before-persist',
    ]);
    expect(hasInjectedBug(cfg, 'reply-before-persist')).toBe(true);
    const node = new RaftNode(cfg);
    node.step(vote('2', '1', 1, 0, 0));
    const rd = node.ready();
    const sent = ofType(rd.messages, 'voteResp'); // a buggy host sends first...
    expect(sent[0].reject).toBe(false);
    persistReady(storage, rd, { sync: false }); // ...and crashes before the sync
    node.advance();
    const again = new RaftNode({ ...cfg, storage: storage.crashAndRecover() });
    again.step(vote('3', '1', 1, 0, 0));
    expect(ofType(again.ready().messages, 'voteResp')[0].reject).toBe(false);
  });
});

describe("injected bug 'membership-no-current-term-commit' (overlapping single-server changes)", () => {
  it("a correct leader refuses a change before its term's first commit ('leaderNotReady'): histories agree", () => {
    const run = runOverlappingChanges();
    expect(run.removal).toMatchObject({ status: 'dropped', reason: 'leaderNotReady' });
    expect([...run.appliedTermsAtSplit]).toEqual([1]); // 1's promotion of 5, everywhere it was applied
    expect(run.cluster.raft('2').status().commitIndex).toBeLessThan(run.splitIndex); // nothing of term 2 committed
  });

  it('with the bug, two changes commit under disjoint majorities: nodes apply different entries at one index', () => {
    const run = runOverlappingChanges((cfg) => withInjectedBugs(cfg, ['membership-no-current-term-commit']));
    expect(run.removal).toMatchObject({ status: 'committed' });
    expect([...run.appliedTermsAtSplit].sort()).toEqual([1, 2]); // state machine safety is broken
  });
});
