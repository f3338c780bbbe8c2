/**
 * No acknowledged write is lost: every write a client was told succeeded sits
 * in the committed prefix at the index and term it was committed with, and at
 * the end of a run (after every fault healed) it is in every node's log and
 * applied everywhere.
 */
import type { NodeId } from '@raftkit/core';
import { type LogView, termOrNull, type ViolationSink } from './types.js';

export interface FinalNodeView {
  readonly id: NodeId;
  readonly log: LogView;
  readonly appliedIndex: number;
}

interface Ack {
  readonly term: number;
  readonly what: string;
}

export class AcknowledgedWrites {
  private readonly acks = new Map<number, Ack>();

  constructor(
    private readonly report: ViolationSink,
    /** Term committed at an index as the commit checker knows it. */
    private readonly committedTermAt: (index: number) => number | undefined,
  ) {}

  get count(): number {
    return this.acks.size;
  }

  /** A client was told that `what` committed at (index, term). */
  onAck(node: NodeId, index: number, term: number, what: string, time: number): void {
    const committed = this.committedTermAt(index);
    if (committed !== undefined && committed !== term) {
      this.report({
        invariant: 'ackedWriteLost',
        time,
        nodes: [node],
        message: `${node} acknowledged ${what} at (${index}, term ${term}) but index ${index} committed with term ${committed}`,
      });
      return;
    }
    const known = this.acks.get(index);
    if (known !== undefined && known.term !== term) {
      this.report({
        invariant: 'ackedWriteLost',
        time,
        nodes: [node],
        message: `index ${index} acknowledged twice with different terms: ${known.what} (term ${known.term}) and ${what} (term ${term})`,
      });
      return;
    }
    this.acks.set(index, { term, what });
  }

  /** End of run: every acknowledged write is in every node's log and applied there. */
  finalCheck(nodes: readonly FinalNodeView[], time: number): void {
    for (const [index, ack] of this.acks) {
      for (const n of nodes) {
        const committed = this.committedTermAt(index);
        if (committed !== undefined && committed !== ack.term) {
          this.report({
            invariant: 'ackedWriteLost',
            time,
            nodes: [n.id],
            message: `acknowledged ${ack.what} at (${index}, term ${ack.term}) was replaced by term ${committed}`,
          });
          return;
        }
        const t = index < n.log.firstIndex() ? ack.term : termOrNull(n.log, index);
        if (t !== ack.term || n.appliedIndex < index) {
          this.report({
            invariant: 'ackedWriteLost',
            time,
            nodes: [n.id],
            message: `acknowledged ${ack.what} at (${index}, term ${ack.term}) is missing on ${n.id} (log term ${t ?? 'none'}, applied ${n.appliedIndex})`,
          });
          return;
        }
      }
    }
  }
}
