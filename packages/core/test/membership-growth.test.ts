/**
 * 3 -> 5 -> 3 under a steady stream of proposals: two new nodes join as
 * learners (one catching up from a snapshot), get promoted, then two of the
 * original members (the leader first) are removed. Hosts snapshot and
 * compact along the way, a follower is cut off for a while. Safety is checked
 * after every tick, and every acknowledged proposal is in the final state.
 */
import type { ConfChange, NodeId } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { bytes } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { SafetyChecker } from './helpers/safety.js';

const PLAN: readonly ConfChange[] = [
  { type: 'addLearner', node: '4' },
  { type: 'promote', node: '4' },
  { type: 'addLearner', node: '5' },
  { type: 'promote', node: '5' },
  { type: 'remove', node: '1' },
  { type: 'remove', node: '2' },
];

describe('growing 3 -> 5 and shrinking back to 3 under load', () => {
  it('keeps every acknowledged write and Raft safety', () => {
    const c = new Cluster(['1', '2', '3'], { config: { snapshotEntries: 25, snapshotChunkBytes: 512 } });
    const safety = new SafetyChecker('3->5->3');
    c.elect('1');
    const acked = new Map<number, { leader: NodeId; pid: number }>(); // index -> who acknowledged it
    let step = 0;
    let inFlight: { leader: NodeId; pid: number } | null = null;
    const log: string[] = [];
    for (let tick = 0; tick < 2000 && step < PLAN.length; tick++) {
      const leader = c.leader();
      if (leader) {
        c.propose(leader.id, bytes(`w${tick}`));
        if (inFlight === null && tick >= 25 * (step + 1)) {
          // One change every 25 ticks or so, so that snapshots and the partition happen in between.
          const change = PLAN[step];
          if (change.type === 'addLearner' && !c.nodes.has(change.node)) {
            c.addNode(change.node, leader.node.status().conf);
          }
          inFlight = { leader: leader.id, pid: leader.node.proposeConfChange(change) };
        }
      }
      if (tick === 40) c.isolate('3'); // a voter misses a stretch of the log (and snapshots)...
      if (tick === 90) c.heal(); // ...and comes back
      c.tick();
      for (const id of c.ids) if (c.raft(id).snapshotDue()) c.takeSnapshot(id);
      safety.check(c);
      if (inFlight) {
        const o = c.n(inFlight.leader).outcomes.find((x) => x.id === inFlight?.pid);
        if (o?.status === 'committed') {
          log.push(`${PLAN[step].type} ${PLAN[step].node} @${o.index} tick ${tick}`);
          step++;
          inFlight = null;
        } else if (o?.status === 'dropped') {
          inFlight = null; // leaderNotReady / learnerNotCaughtUp / notLeader ...: retry
        }
      }
      for (const id of c.ids) {
        for (const o of c.n(id).outcomes) {
          if (o.status === 'committed') acked.set(o.index, { leader: id, pid: o.id });
        }
      }
    }
    expect(log).toHaveLength(PLAN.length);
    c.ticks(30);
    safety.check(c);
    const final = ['3', '4', '5'];
    for (const id of final) expect(c.raft(id).status().conf).toEqual({ voters: final, learners: [] });
    const leader = c.leader();
    expect(leader && final.includes(leader.id)).toBe(true);
    // The removed nodes stepped aside quietly.
    for (const id of ['1', '2']) expect(c.n(id).role).toBe('follower');
    expect(c.n('1').transitions.some((t) => t.reason === 'removed')).toBe(true);
    // Every acknowledged write is part of the final members' (identical) state.
    const states = final.map((id) => c.n(id).state);
    expect(new Set(states.map((s) => `${s.index}:${s.hash}`)).size).toBe(1);
    const maxAcked = Math.max(...acked.keys());
    expect(states[0].index).toBeGreaterThanOrEqual(maxAcked);
    for (const [index] of acked) expect(safety.chosen.has(index)).toBe(true);
    // Snapshots were taken, and at least one node caught up from one.
    const installed = c.ids.reduce((n, id) => n + c.n(id).restored.length, 0);
    expect(installed).toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThan(100);
  });
});
