/**
 * State machine safety (Raft §5.4.3): no two nodes apply different entries at
 * the same index. Also: a node applies in order, without gaps, and only what
 * it knows to be committed.
 */
import type { Entry, NodeId } from '@raftkit/core';
import { sameBytes, type ViolationSink } from './types.js';

interface AppliedEntry {
  readonly node: NodeId;
  readonly term: number;
  readonly type: number;
  readonly data: Uint8Array;
}

export class StateMachineSafety {
  private readonly applied: AppliedEntry[] = [];
  private readonly appliedOf = new Map<NodeId, number>();

  constructor(private readonly report: ViolationSink) {}

  /** `node`'s state machine was reset to `appliedIndex` (a restart, or a snapshot restored). */
  onReset(node: NodeId, appliedIndex: number): void {
    this.appliedOf.set(node, appliedIndex);
  }

  appliedIndexOf(node: NodeId): number {
    return this.appliedOf.get(node) ?? 0;
  }

  /** `node` applies `entry`, believing its commit index is `commit`. */
  onApply(node: NodeId, entry: Entry, commit: number, time: number): void {
    const last = this.appliedOf.get(node) ?? 0;
    if (entry.index !== last + 1) {
      this.report({
        invariant: 'stateMachineSafety',
        time,
        nodes: [node],
        message: `${node} applied index ${entry.index} right after ${last}`,
      });
      return;
    }
    if (entry.index > commit) {
      this.report({
        invariant: 'stateMachineSafety',
        time,
        nodes: [node],
        message: `${node} applied index ${entry.index} beyond its commit index ${commit}`,
      });
      return;
    }
    this.appliedOf.set(node, entry.index);
    const known = this.applied[entry.index];
    if (known === undefined) {
      this.applied[entry.index] = { node, term: entry.term, type: entry.type, data: entry.data };
      return;
    }
    if (known.term !== entry.term || known.type !== entry.type || !sameBytes(known.data, entry.data)) {
      this.report({
        invariant: 'stateMachineSafety',
        time,
        nodes: [known.node, node],
        message: `index ${entry.index}: ${known.node} applied term ${known.term}, ${node} applied a different entry (term ${entry.term})`,
      });
    }
  }
}
