/**
 * Every propose() ends in exactly one outcome and every read in exactly one
 * ReadState: nothing a host asks for is silently lost.
 */
import { type RaftConfig, SeededRng } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { bytes } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';

describe('proposal outcomes', () => {
  it("a proposal to a follower ends dropped('notLeader') with the leader as hint", () => {
    const c = new Cluster(['1', '2', '3']);
    c.elect('1');
    const id = c.propose('2', bytes('x'));
    c.stabilize();
    expect(c.n('2').outcomes).toEqual([{ id, status: 'dropped', reason: 'notLeader', leaderHint: '1' }]);
    expect(c.raft('2').status().lastIndex).toBe(1); // never appended
  });

  it("a proposal to a candidate ends dropped('notLeader') with no hint", () => {
    const c = new Cluster(['1', '2', '3'], { config: { preVote: false } });
    c.raft('2').campaign();
    const id = c.propose('2', bytes('x'));
    c.processAll();
    expect(c.n('2').outcomes).toEqual([{ id, status: 'dropped', reason: 'notLeader', leaderHint: null }]);
  });

  it('proposal ids are unique and increasing on a node', () => {
    const c = new Cluster(['1']);
    c.elect('1');
    const ids = Array.from({ length: 5 }, () => c.propose('1', bytes('i')));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(5);
  });

  it("an orphaned proposal ends 'truncated' once a different entry is committed at its index", () => {
    const c = new Cluster(['1', '2', '3'], { config: { checkQuorum: false } });
    c.elect('1');
    c.isolate('1');
    const lost = c.propose('1', bytes('lost'));
    c.stabilize();
    c.tickUntil(() => c.n('2').role === 'leader' || c.n('3').role === 'leader', 500, ['2', '3']);
    const l = c.n('2').role === 'leader' ? '2' : '3';
    c.propose(l, bytes('winner'));
    c.stabilize();
    c.heal();
    c.ticks(3);
    expect(c.n('1').outcomes).toEqual([{ id: lost, status: 'dropped', reason: 'truncated', leaderHint: l }]);
  });

  it("an orphaned proposal that the next leader commits ends 'committed'", () => {
    const c = new Cluster(['1', '2', '3'], {
      config: { checkQuorum: false, preVote: false, leaderStickiness: false },
    });
    c.elect('1');
    const id = c.propose('1', bytes('survives'));
    c.processAll();
    c.deliverQueued((m) => m.to === '2'); // 2 gets the entry; its ack and everything else is lost
    c.queue = [];
    c.isolate('1');
    c.raft('2').campaign();
    c.stabilize();
    expect(c.n('2').role).toBe('leader');
    c.heal();
    c.ticks(3);
    expect(c.n('1').outcomes).toEqual([{ id, status: 'committed', index: 2, term: 1 }]);
  });

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`under random faults every proposal and read ends exactly once (seed ${seed})`, () => {
      const ids = ['a', 'b', 'c'];
      const rng = new SeededRng(seed, 'test-schedule');
      const c = new Cluster(ids, { seed, config: { electionTicks: 8 } });
      const proposed = new Map<string, Set<number>>(ids.map((id) => [id, new Set()]));
      const reads = new Map<string, Set<number>>(ids.map((id) => [id, new Set()]));
      let ctx = 0;
      for (let step = 0; step < 600; step++) {
        const r = rng.nextInt(100);
        const id = ids[rng.nextInt(3)];
        if (r < 40) c.raft(id).tick();
        else if (r < 60) proposed.get(id)!.add(c.propose(id, bytes(`${step}`)));
        else if (r < 70) {
          c.raft(id).readIndex(++ctx);
          reads.get(id)!.add(ctx);
        } else if (r < 75) {
          c.heal();
          c.isolate(id);
        } else if (r < 80) c.heal();
        c.processAll();
        for (let k = 0; k < 3 && c.queue.length > 0; k++) {
          const [m] = c.queue.splice(rng.nextInt(c.queue.length), 1); // reordered
          if (rng.nextInt(10) > 0) {
            c.queue.unshift(m);
            c.deliverQueued((x) => x === m);
          }
        }
      }
      // Let everything settle: heal, deliver, tick past every deadline.
      c.heal();
      c.ticks(40);
      for (const id of ids) {
        const cn = c.n(id);
        const outcomeIds = cn.outcomes.map((o) => o.id);
        expect(new Set(outcomeIds).size).toBe(outcomeIds.length); // at most once
        expect(new Set(outcomeIds)).toEqual(proposed.get(id)); // at least once
        const readCtxs = cn.readStates.map((r) => r.ctx);
        expect(new Set(readCtxs).size).toBe(readCtxs.length);
        expect(new Set(readCtxs)).toEqual(reads.get(id));
      }
    });
  }
});

export type { RaftConfig };
