/**
 * The single-server membership bug from the Raft mailing list (Ongaro,
 * "bug in single-server membership changes", 2015), scripted. Voters
 * {1,2,3,4}, learner 5 (caught up).
 *
 *  1. Leader 1 (term 1) promotes 5: C1 = {1,2,3,4,5}. The entry reaches only 5.
 *  2. 2 wins term 2 with 3 and 4 (a majority of {1,2,3,4}); its log lacks C1.
 *  3. 2 at once proposes removing 1: C2 = {2,3,4}. Replicated to 3 only, it
 *     commits with {2,3} (a majority of C2), together with 2's no-op.
 *  4. 1 (configuration C1) restarts and wins term 3 with 4 and 5 (a majority of C1, whose
 *     logs are no newer than its own) and commits its own entries with them.
 *
 * C1's majority {1,4,5} and C2's majority {2,3} are disjoint: the two
 * changes overlapped because 2 accepted one before committing an entry of its
 * own term. A correct leader refuses ('leaderNotReady'): its no-op needs 3 of
 * {1,2,3,4} and 4 never acknowledges it, so nothing of term 2 commits and 1's
 * later win is safe.
 */
import type { Message, ProposalOutcome, RaftConfig } from '@raftkit/core';
import { Cluster } from './cluster.js';

const NO_DEFENCES = { preVote: false, checkQuorum: false, leaderStickiness: false } as const;

function runFiltered(c: Cluster, allow: (m: Message) => boolean): void {
  for (let i = 0; i < 1000; i++) {
    c.processAll();
    c.queue = c.queue.filter(allow);
    if (c.queue.length === 0) return;
    c.deliverQueued();
  }
  throw new Error('overlapping changes: did not settle');
}

export interface OverlappingChangesRun {
  readonly cluster: Cluster;
  /** The outcome of 2's `removeNode('1')`. */
  readonly removal: ProposalOutcome | undefined;
  /** Index where the histories can split: the entry after the last one everybody shares. */
  readonly splitIndex: number;
  /** Terms of the entries applied at `splitIndex`, across all nodes. */
  readonly appliedTermsAtSplit: ReadonlySet<number>;
}

export function runOverlappingChanges(
  wrapConfig?: (config: RaftConfig) => RaftConfig,
): OverlappingChangesRun {
  const c = new Cluster(['1', '2', '3', '4'], { learners: ['5'], config: NO_DEFENCES, wrapConfig });
  c.elect('1');
  c.ticks(2);
  const splitIndex = c.raft('1').status().lastIndex + 1;
  // 1. C1 reaches 5 only.
  c.partition(['1', '5'], ['2', '3', '4']);
  c.raft('1').promote('5');
  c.stabilize();
  if (c.raft('5').status().conf.voters.length !== 5) throw new Error('scenario: 5 did not get C1');
  // 2. 2 wins term 2 with 3 and 4; only votes are delivered.
  c.raft('2').campaign();
  runFiltered(c, (m) => m.type === 'vote' || m.type === 'voteResp');
  if (c.n('2').role !== 'leader') throw new Error('scenario: 2 did not win term 2');
  // 3. 2 removes 1 before its no-op committed; only 3 hears from it.
  c.cutLink('2', '4');
  c.cutLink('4', '2');
  const pid = c.raft('2').removeNode('1');
  c.ticks(2, ['2', '3']); // heartbeats get replication to 3 going (the no-op appends were not delivered)
  const removal = c.n('2').outcomes.find((o) => o.id === pid);
  // 4. 1 (restarted, so no longer believing it leads term 1) wins a later term with 4 and 5, and commits.
  c.crash('1');
  c.restart('1');
  c.heal();
  c.partition(['2', '3'], ['1', '4', '5']);
  for (let i = 0; i < 5 && c.n('1').role !== 'leader'; i++) {
    c.raft('1').campaign();
    c.stabilize();
  }
  if (c.n('1').role !== 'leader') throw new Error('scenario: 1 did not win the last election');
  c.ticks(3);
  const appliedTermsAtSplit = new Set(
    c.ids.flatMap((id) =>
      c
        .n(id)
        .applied.filter((e) => e.index === splitIndex)
        .map((e) => e.term),
    ),
  );
  return { cluster: c, removal, splitIndex, appliedTermsAtSplit };
}
