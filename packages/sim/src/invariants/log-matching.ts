/**
 * Leader append-only and log matching (Raft §5.3, Figure 3), checked
 * incrementally as entries are persisted.
 *
 * Log matching says: two logs holding an entry with the same index and term
 * are identical up to that index. By induction on the index this is the same
 * as: every (index, term) pair ever written anywhere names one entry (same
 * type and data) with one predecessor term. So each written entry costs one
 * map lookup, never a scan of the logs.
 */
import type { Entry, NodeId } from '@raftkit/core';
import { sameBytes, type ViolationSink } from './types.js';

interface SeenEntry {
  readonly node: NodeId;
  readonly type: number;
  readonly data: Uint8Array;
  readonly prevTerm: number;
}

export class LogMatching {
  /** index -> term -> the first entry seen with that (index, term). */
  private readonly seen = new Map<number, Map<number, SeenEntry>>();

  constructor(private readonly report: ViolationSink) {}

  /**
   * `node` persisted `entries` (contiguous, ascending) after truncating its log
   * to `entries[0].index - 1`.
   * @param prevTerm term of the entry just before entries[0] in that log
   * @param lastIndexBefore the node's last log index before this write
   * @param leaderTerm the term in which the node was leader both before and after this write, or null
   */
  onAppend(
    node: NodeId,
    entries: readonly Entry[],
    prevTerm: number,
    lastIndexBefore: number,
    leaderTerm: number | null,
    time: number,
  ): void {
    if (entries.length === 0) return;
    const first = entries[0].index;
    if (leaderTerm !== null && first <= lastIndexBefore) {
      this.report({
        invariant: 'leaderAppendOnly',
        time,
        nodes: [node],
        message: `leader ${node} of term ${leaderTerm} overwrote its log from index ${first} (last index was ${lastIndexBefore})`,
      });
      return;
    }
    let prev = prevTerm;
    let expectedIndex = first;
    for (const e of entries) {
      if (e.index !== expectedIndex) {
        this.report({
          invariant: 'logMatching',
          time,
          nodes: [node],
          message: `${node} persisted a non-contiguous batch: index ${e.index} where ${expectedIndex} was due`,
        });
        return;
      }
      if (e.term < prev) {
        this.report({
          invariant: 'logMatching',
          time,
          nodes: [node],
          message: `${node}'s log terms decrease at index ${e.index}: term ${e.term} after ${prev}`,
        });
        return;
      }
      this.checkEntry(node, e, prev, time);
      prev = e.term;
      expectedIndex++;
    }
  }

  private checkEntry(node: NodeId, e: Entry, prevTerm: number, time: number): void {
    let byTerm = this.seen.get(e.index);
    if (byTerm === undefined) {
      byTerm = new Map();
      this.seen.set(e.index, byTerm);
    }
    const known = byTerm.get(e.term);
    if (known === undefined) {
      byTerm.set(e.term, { node, type: e.type, data: e.data, prevTerm });
      return;
    }
    if (known.prevTerm !== prevTerm) {
      this.report({
        invariant: 'logMatching',
        time,
        nodes: [known.node, node],
        message: `entry (${e.index}, term ${e.term}) follows term ${known.prevTerm} on ${known.node} but term ${prevTerm} on ${node}`,
      });
    } else if (known.type !== e.type || !sameBytes(known.data, e.data)) {
      this.report({
        invariant: 'logMatching',
        time,
        nodes: [known.node, node],
        message: `entry (${e.index}, term ${e.term}) has different contents on ${known.node} and ${node}`,
      });
    }
  }
}
