/**
 * Raft Figure 8, scripted. Five nodes; S1 leads term 1 and replicates its
 * entry (2,1) to S2 only, then crashes. S5 wins term 2 with S3/S4, appends
 * its no-op (2,2) and crashes before sending it. S1 restarts, wins term 3
 * and starts catching S3 up: S3 receives (2,1) alone, so (2,1) sits on a
 * majority (S1,S2,S3) while S1's own term-3 entry reaches only S2. Here a
 * correct leader must NOT commit index 2. S1 crashes; S5 restarts and wins
 * term 4 (its last term 2 beats the (2,1) on S3), overwriting index 2.
 */
import type { Message, RaftConfig } from '@raftkit/core';
import { bytes } from './builders.js';
import { Cluster } from './cluster.js';

function stabilizeFiltered(c: Cluster, allow: (m: Message) => boolean): void {
  for (let i = 0; i < 1000; i++) {
    c.processAll();
    c.queue = c.queue.filter(allow);
    if (c.queue.length === 0) return;
    c.deliverQueued();
  }
  throw new Error('figure 8: did not stabilize');
}

export interface Figure8Run {
  readonly cluster: Cluster;
  /** S1's commit index at the moment (2,1) was on a majority, before S1 crashed. */
  readonly s1CommitOnMajority: number;
}

/** Runs the scenario; the message carrying S1's term-3 entry to S3 is dropped. */
export function runFigure8(wrapConfig?: (config: RaftConfig) => RaftConfig): Figure8Run {
  const c = new Cluster(['1', '2', '3', '4', '5'], {
    config: { preVote: false, checkQuorum: false, leaderStickiness: false, maxEntriesPerMsg: 1 },
    wrapConfig,
  });
  c.elect('1');
  c.partition(['1', '2'], ['3', '4', '5']);
  c.propose('1', bytes('from-term-1'));
  c.stabilize();
  c.crash('1');
  c.heal();
  c.raft('5').campaign();
  stabilizeFiltered(c, (m) => m.type === 'vote' || m.type === 'voteResp');
  if (c.n('5').role !== 'leader') throw new Error('figure 8: S5 did not win term 2');
  c.crash('5');
  c.restart('1');
  c.cutLink('1', '4');
  c.cutLink('4', '1');
  // Once S3 holds (2,1), S1's term-3 entry must not reach it (the first probe, refused by S3, may).
  const blockTerm3ToS3 = (m: Message) =>
    !(
      m.type === 'append' &&
      m.from === '1' &&
      m.to === '3' &&
      m.entries.some((e) => e.index === 3) &&
      c.raft('3').status().lastIndex >= 2
    );
  for (let i = 0; i < 3 && c.n('1').role !== 'leader'; i++) {
    c.raft('1').campaign();
    stabilizeFiltered(c, blockTerm3ToS3);
  }
  if (c.n('1').role !== 'leader') throw new Error('figure 8: S1 did not win');
  const s1CommitOnMajority = c.raft('1').status().commitIndex;
  // (d) S1 crashes; S5 comes back and wins.
  c.crash('1');
  c.heal();
  c.restart('5');
  for (let i = 0; i < 5 && c.n('5').role !== 'leader'; i++) {
    c.raft('5').campaign();
    c.stabilize();
  }
  if (c.n('5').role !== 'leader') throw new Error('figure 8: S5 did not win the last election');
  c.ticks(3);
  return { cluster: c, s1CommitOnMajority };
}
