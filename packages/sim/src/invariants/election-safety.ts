/**
 * Election safety (Raft §5.2, Figure 3): at most one leader per term, over the
 * whole run (not only at one instant).
 */
import type { NodeId } from '@raftkit/core';
import type { ViolationSink } from './types.js';

export class ElectionSafety {
  private readonly leaderOfTerm = new Map<number, NodeId>();

  constructor(private readonly report: ViolationSink) {}

  /** A node became leader of `term`. */
  onLeader(node: NodeId, term: number, time: number): void {
    const other = this.leaderOfTerm.get(term);
    if (other === undefined) {
      this.leaderOfTerm.set(term, node);
      return;
    }
    if (other !== node) {
      this.report({
        invariant: 'electionSafety',
        time,
        nodes: [other, node],
        message: `two leaders in term ${term}: ${other} and ${node}`,
      });
    }
  }

  get elections(): number {
    return this.leaderOfTerm.size;
  }

  leaderOf(term: number): NodeId | undefined {
    return this.leaderOfTerm.get(term);
  }
}
