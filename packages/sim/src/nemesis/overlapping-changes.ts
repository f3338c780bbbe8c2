/**
 * Overlapping membership changes across two leaders: the schedule of
 * Ongaro's bug report on single-server changes (raft-dev, 2015), built from
 * network faults around a 4-voter configuration with a caught-up learner x:
 *
 *  1. Leader L1 promotes x (C1: five voters) and is cut off with x at once:
 *     the entry reaches x only.
 *  2. The three other voters elect L2, whose log lacks C1. The moment it wins,
 *     L2 is cut off from one of them (c) and asked to remove L1 (C2: three
 *     voters). A correct leader refuses ('leaderNotReady': nothing of its term
 *     is committed yet); one with the bug 'membership-no-current-term-commit'
 *     accepts, and commits its no-op and C2 with the one voter it still
 *     reaches (b): a majority of C2.
 *  3. Once L2 commits (or after a while), {L2, b} are cut off instead, and L1,
 *     x and c (a majority of C1, with logs no newer than L1's) elect a leader
 *     who commits a different entry at the same index.
 *
 * With the fix, step 2 commits nothing and step 3 is an ordinary failover.
 * The scenario owns the cluster until step 3 begins.
 */
import type { NodeId } from '@raftkit/core';
import type { NemesisFaults } from './fault-target.js';

export function overlappingChanges(n: NemesisFaults, leader: NodeId | null): boolean {
  const t = n.target;
  const m = t.membership;
  const rng = n.rng;
  if (m === undefined || leader === null || n.scenarios.running !== null) return false;
  const v = m.view();
  if (v === null || v.leader !== leader || v.pendingConfIndex !== 0 || v.conf.voters.length !== 4)
    return false;
  const ready = (id: NodeId) => t.isUp(id) && !t.isPaused(id);
  const others = v.conf.voters.filter((id) => id !== leader);
  const x = v.caughtUpLearners.find(ready);
  if (x === undefined || !others.every(ready)) return false;
  // 1. C1 reaches x only.
  const appended = m.propose(leader, { type: 'promote', node: x }, () => {});
  if (!appended) return false;
  n.scenarios.running = 'overlappingChanges';
  const electionUs = n.opts.electionTicks * t.tickUs;
  n.networkFault(
    `overlappingChanges: ${leader} promoted ${x}; both cut off`,
    () => t.network.partition([[leader, x], t.nodeIds().filter((id) => id !== leader && id !== x)]),
    null,
  );
  n.reactions.when(
    (e) => e.kind === 'leaderElected' && others.includes(e.node),
    (e) => {
      // 2. Right after the election: cut the new leader off from one voter, and ask it to remove L1.
      const l2 = e.node;
      const [b, c] = rng.shuffle(others.filter((id) => id !== l2));
      t.network.cutOneWay(l2, c);
      t.network.cutOneWay(c, l2);
      const accepted = m.propose(l2, { type: 'remove', node: leader }, () => {});
      t.log(
        `overlappingChanges: ${l2} won; cut off from ${c}; remove ${leader} ${accepted ? 'accepted' : 'refused'}`,
      );
      const flip = () => {
        // 3. A majority of C1 (L1, x, c) may now elect a leader.
        n.scenarios.running = null;
        if (n.healed) return;
        n.networkFault(
          `overlappingChanges: ${l2} and ${b} cut off`,
          () => t.network.partition([[l2, b], t.nodeIds().filter((id) => id !== l2 && id !== b)]),
          rng.int(6, 10) * electionUs,
        );
      };
      n.reactions.when(
        (e2) => e2.kind === 'leaderCommitted' && e2.node === l2,
        flip,
        t.now + 3 * electionUs,
        flip,
      );
    },
    t.now + 6 * electionUs,
    () => {
      t.log('overlappingChanges stops: no new leader among the other voters');
      n.scenarios.running = null;
      n.healNetwork();
    },
  );
  return true;
}
