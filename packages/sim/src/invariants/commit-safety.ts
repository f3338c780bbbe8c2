/**
 * Properties of the committed prefix, checked incrementally:
 *
 * - commit index never regresses: within one life of a node its commit index
 *   only grows; after a crash it restarts from at least the last commit that
 *   was durably synced.
 * - committed entries agree: every node that reports index i committed has the
 *   same (i, term) there, and never later truncates below its commit.
 * - leader completeness (Raft §5.4): a leader of term T holds every entry that
 *   was committed in a term below T.
 *
 * A commit is first learnt from some node whose current term is T_obs; the
 * entry was committed in a term <= T_obs (a follower only learns a commit from
 * a leader of its own term). Leader completeness is therefore enforced only
 * against leaders whose term exceeds T_obs: conservative, never a false alarm.
 */
import type { NodeId } from '@raftkit/core';
import { type LogView, termOrNull, type ViolationSink } from './types.js';

/** Term of a committed index that no node has reported an entry for yet. */
const UNKNOWN = -1;

interface Leader {
  readonly term: number;
  readonly log: LogView;
}

export class CommitSafety {
  /**
   * committedTerm[i]: term of the entry committed at index i (dense from 1;
   * UNKNOWN where a node learnt a commit only through a snapshot and no node
   * reported the entry itself yet).
   */
  private readonly committedTerm: number[] = [0];
  /** commitObservedTerm[i]: smallest current term of a node seen reporting index i committed. */
  private readonly commitObservedTerm: number[] = [0];
  private readonly commitOf = new Map<NodeId, number>();
  private readonly durableCommitOf = new Map<NodeId, number>();
  private readonly leaders = new Map<NodeId, Leader>();

  constructor(private readonly report: ViolationSink) {}

  /** Highest index known committed anywhere. */
  get maxCommitted(): number {
    return this.committedTerm.length - 1;
  }

  committedTermAt(index: number): number | undefined {
    if (index < 1 || index >= this.committedTerm.length) return undefined;
    const t = this.committedTerm[index];
    return t === UNKNOWN ? undefined : t;
  }

  /** `node` (currently in `term`) reports commit index `commit` over its `log`. */
  onCommit(node: NodeId, commit: number, term: number, log: LogView, time: number): void {
    const before = this.commitOf.get(node) ?? 0;
    if (commit < before) {
      this.report({
        invariant: 'commitMonotonic',
        time,
        nodes: [node],
        message: `${node}'s commit index went back from ${before} to ${commit}`,
      });
      return;
    }
    this.commitOf.set(node, commit);
    for (let i = before + 1; i <= commit; i++) {
      const t = termOrNull(log, i);
      if (t === null) {
        if (i < log.firstIndex()) continue; // compacted: covered by the snapshot
        this.report({
          invariant: 'commitMonotonic',
          time,
          nodes: [node],
          message: `${node} reports commit ${commit} beyond its last log index ${log.lastIndex()}`,
        });
        return;
      }
      this.recordCommitted(node, i, t, term, time);
    }
  }

  private recordCommitted(
    node: NodeId,
    index: number,
    entryTerm: number,
    nodeTerm: number,
    time: number,
  ): void {
    // A commit learnt through a snapshot skips the compacted indices before it: they are
    // committed too, but their terms are unknown here until some node reports them.
    while (this.committedTerm.length < index) {
      this.committedTerm.push(UNKNOWN);
      this.commitObservedTerm.push(nodeTerm);
    }
    if (index < this.committedTerm.length) {
      const known = this.committedTerm[index];
      if (known === UNKNOWN) {
        this.committedTerm[index] = entryTerm;
        if (nodeTerm < this.commitObservedTerm[index]) this.commitObservedTerm[index] = nodeTerm;
        return;
      }
      if (known !== entryTerm) {
        this.report({
          invariant: 'stateMachineSafety',
          time,
          nodes: [node],
          message: `index ${index} committed with term ${known} elsewhere but with term ${entryTerm} on ${node}`,
        });
        return;
      }
      if (nodeTerm < this.commitObservedTerm[index]) this.commitObservedTerm[index] = nodeTerm;
      return;
    }
    // Commits grow as prefixes, so a new index is the next one.
    this.committedTerm.push(entryTerm);
    this.commitObservedTerm.push(nodeTerm);
    for (const [leader, l] of this.leaders) {
      if (leader === node || l.term <= nodeTerm) continue;
      this.checkLeaderHas(leader, l, index, time);
    }
  }

  /** The commit index `node` made durable (its hardState was synced). */
  onDurableCommit(node: NodeId, commit: number): void {
    if (commit > (this.durableCommitOf.get(node) ?? 0)) this.durableCommitOf.set(node, commit);
  }

  /** `node`'s disk was erased (membership: a removed node reused): it starts over from nothing. */
  onWipe(node: NodeId): void {
    this.durableCommitOf.delete(node);
    this.commitOf.delete(node);
    this.leaders.delete(node);
  }

  /** `node` restarted from its synced storage with commit index `commit`. */
  onRestart(node: NodeId, commit: number, time: number): void {
    this.leaders.delete(node);
    const durable = this.durableCommitOf.get(node) ?? 0;
    if (commit < durable) {
      this.report({
        invariant: 'commitMonotonic',
        time,
        nodes: [node],
        message: `${node} restarted with commit ${commit} below its durably synced commit ${durable}`,
      });
    }
    this.commitOf.set(node, commit);
  }

  /** `node` truncated its log to `keepUpTo` (entries after it are replaced). */
  onTruncate(node: NodeId, keepUpTo: number, time: number): void {
    const commit = this.commitOf.get(node) ?? 0;
    if (keepUpTo < commit) {
      this.report({
        invariant: 'stateMachineSafety',
        time,
        nodes: [node],
        message: `${node} overwrote committed entries: truncated to ${keepUpTo} below its commit ${commit}`,
      });
    }
  }

  onLeader(node: NodeId, term: number, log: LogView, time: number): void {
    const leader = { term, log };
    this.leaders.set(node, leader);
    for (let i = 1; i < this.committedTerm.length; i++) {
      if (this.commitObservedTerm[i] >= term || this.committedTerm[i] === UNKNOWN) continue;
      if (!this.checkLeaderHas(node, leader, i, time)) return;
    }
  }

  onNotLeader(node: NodeId): void {
    this.leaders.delete(node);
  }

  private checkLeaderHas(node: NodeId, l: Leader, index: number, time: number): boolean {
    if (index < l.log.firstIndex()) return true; // compacted into a snapshot that covers it
    if (this.committedTerm[index] === UNKNOWN) return true;
    const t = termOrNull(l.log, index);
    const want = this.committedTerm[index];
    if (t === want) return true;
    this.report({
      invariant: 'leaderCompleteness',
      time,
      nodes: [node],
      message: `leader ${node} of term ${l.term} lacks committed entry (${index}, term ${want})${t === null ? '' : `: it has term ${t} there`}`,
    });
    return false;
  }
}
