/**
 * Leader priority: a leader hands over to a healthy, caught-up voter of
 * strictly higher priority after a stabilisation delay; equal priorities
 * never hand over (no ping-pong); a higher-priority node with a stale log
 * never wins.
 */
import { bestTransferCandidate, type NodeId, PriorityTransferPolicy } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { bytes } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';

const FIVE = ['a', 'b', 'c', 'd', 'e'];

/** Times any node became leader. */
const leaderships = (c: Cluster) =>
  c.ids.reduce((n, id) => n + c.n(id).transitions.filter((t) => t.to === 'leader').length, 0);

describe('priority policy (pure)', () => {
  const cand = (id: string, priority: number, eligible = true, match = 10) => ({
    id,
    priority,
    eligible,
    match,
  });

  it('picks the highest eligible priority above the bar, then the most caught up, then the smallest id', () => {
    expect(bestTransferCandidate([cand('b', 3), cand('c', 5), cand('d', 9, false)], 1)?.id).toBe('c');
    expect(bestTransferCandidate([cand('b', 5, true, 9), cand('c', 5, true, 10)], 1)?.id).toBe('c');
    expect(bestTransferCandidate([cand('c', 5), cand('b', 5)], 1)?.id).toBe('b');
    expect(bestTransferCandidate([cand('b', 5)], 5)).toBeNull(); // equal is not higher
    expect(bestTransferCandidate([cand('b', 0)], null)?.id).toBe('b'); // any priority (quarantine hand-over)
  });

  it('transfers only after the same target stayed best for the delay, and waits a full delay again after', () => {
    const p = new PriorityTransferPolicy(5);
    p.reset(0);
    expect(p.step('b', 1)).toBeNull();
    expect(p.step('b', 5)).toBeNull();
    expect(p.step('c', 6)).toBeNull(); // the target changed: the clock starts over
    expect(p.step('c', 10)).toBeNull();
    expect(p.step('c', 11)).toBe('c');
    expect(p.step('c', 12)).toBeNull();
    expect(p.step('c', 16)).toBe('c');
    expect(p.step(null, 17)).toBeNull();
  });
});

describe('a 5-node cluster with one higher-priority node', () => {
  const config = { electionTicks: 10, priorityTransferDelayTicks: 20 };

  it('ends with it leading after random starts (several seeds), and keeps it through another node restart', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const c = new Cluster(FIVE, { seed, config, perNode: { d: { priority: 10 } } });
      c.tickUntil(() => c.leader() !== undefined, 200);
      const first = c.leader()!.id;
      c.propose(first, bytes('x'));
      c.tickUntil(() => c.leader()?.id === 'd', 100);
      if (first !== 'd') {
        expect(c.n('d').transitions.some((t) => t.to === 'candidate' && t.reason === 'timeoutNow')).toBe(
          true,
        );
        expect(c.n(first).transitions.at(-1)).toMatchObject({ from: 'leader', reason: 'transferred' });
      }
      const before = leaderships(c);
      const other = FIVE.find((id) => id !== 'd' && id !== first) as NodeId;
      c.crash(other);
      c.ticks(15);
      c.restart(other);
      c.ticks(150);
      expect(c.leader()?.id).toBe('d');
      expect(leaderships(c)).toBe(before);
      expect(c.raft('d').status().priorities).toMatchObject({ d: 10, [other]: 0 });
    }
  });

  it('takes leadership back after it was the one restarted', () => {
    const c = new Cluster(FIVE, { seed: 9, config, perNode: { d: { priority: 10 } } });
    c.tickUntil(() => c.leader()?.id === 'd', 300);
    c.crash('d');
    c.tickUntil(() => c.leader() !== undefined && c.leader()?.id !== 'd', 100);
    c.restart('d');
    c.tickUntil(() => c.leader()?.id === 'd', 200);
  });

  it('a quarantined higher-priority node is not handed leadership', () => {
    const c = new Cluster(FIVE, { seed: 2, config, perNode: { d: { priority: 10 } } });
    c.elect('a');
    c.raft('d').quarantine('suspect disk');
    c.ticks(200);
    expect(c.leader()?.id).toBe('a');
    c.raft('d').releaseQuarantine();
    c.tickUntil(() => c.leader()?.id === 'd', 100);
  });
});

describe('no ping-pong', () => {
  it('between two nodes of equal top priority: one handover at most, then stable', () => {
    for (const seed of [1, 2, 3, 4]) {
      const c = new Cluster(FIVE, {
        seed,
        config: { electionTicks: 10, priorityTransferDelayTicks: 10 },
        perNode: { b: { priority: 5 }, e: { priority: 5 } },
      });
      c.tickUntil(() => c.leader() !== undefined, 200);
      c.ticks(100);
      const l = c.leader()!.id;
      expect(['b', 'e']).toContain(l);
      expect(leaderships(c)).toBeLessThanOrEqual(2);
      const settled = leaderships(c);
      c.ticks(300);
      expect(c.leader()?.id).toBe(l);
      expect(leaderships(c)).toBe(settled);
    }
  });

  it('with all priorities equal (the default) a leader never hands over', () => {
    const c = new Cluster(FIVE, { seed: 3, config: { priorityTransferDelayTicks: 0 } });
    c.elect('c');
    c.ticks(300);
    expect(c.leader()?.id).toBe('c');
    expect(leaderships(c)).toBe(1);
  });
});

describe('a higher-priority node with a stale log never wins', () => {
  for (const defences of [true, false]) {
    it(`it campaigns and loses the vote (${defences ? 'Pre-Vote and stickiness on' : 'only the vote restriction'}); it leads only once caught up`, () => {
      const c = new Cluster(FIVE, {
        seed: 5,
        config: {
          electionTicks: 10,
          priorityTransferDelayTicks: 20,
          preVote: defences,
          checkQuorum: defences,
          leaderStickiness: defences,
        },
        perNode: { d: { priority: 10 } },
      });
      c.elect('a');
      c.isolate('d');
      for (let i = 0; i < 5; i++) c.propose('a', bytes(`w${i}`));
      c.ticks(2, ['a', 'b', 'c', 'e']);
      const committed = c.raft('a').status().commitIndex;
      expect(c.raft('d').status().lastIndex).toBeLessThan(committed);
      // The leader dies; d comes back with its stale log and campaigns at once, before anyone else.
      c.crash('a');
      c.heal();
      c.raft('d').campaign();
      c.stabilize();
      expect(c.n('d').role).not.toBe('leader');
      if (!defences) {
        // Nothing but the log comparison (§5.4.1) stood in its way: the voters refused it.
        expect(c.n('d').transitions.at(-1)).toMatchObject({
          from: 'candidate',
          to: 'follower',
          reason: 'voteLost',
        });
      }
      // Whoever wins has every committed entry; d leads only after it caught up (by transfer).
      c.tickUntil(() => c.leader() !== undefined, 200);
      const interim = c.leader()!;
      expect(interim.id).not.toBe('d');
      c.tickUntil(() => c.leader()?.id === 'd', 300);
      expect(c.raft('d').status().commitIndex).toBeGreaterThanOrEqual(committed);
      expect(c.n('d').transitions.filter((t) => t.to === 'leader')).toHaveLength(1);
      expect(c.n('d').transitions.some((t) => t.to === 'candidate' && t.reason === 'timeoutNow')).toBe(true);
    });
  }
});
