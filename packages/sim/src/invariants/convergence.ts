/**
 * End-of-run liveness: once every fault is healed and the cluster had a quiet
 * period, all nodes hold the same committed prefix and the same applied state.
 */
import type { NodeId } from '@raftkit/core';
import type { ViolationSink } from './types.js';

export interface ConvergenceView {
  readonly id: NodeId;
  readonly up: boolean;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly stateHash: string;
}

export function checkConvergence(
  nodes: readonly ConvergenceView[],
  time: number,
  report: ViolationSink,
): void {
  const down = nodes.filter((n) => !n.up).map((n) => n.id);
  if (down.length > 0) {
    report({
      invariant: 'convergence',
      time,
      nodes: down,
      message: `nodes still down at the end: ${down.join(', ')}`,
    });
    return;
  }
  const ref = nodes[0];
  if (ref === undefined) return;
  const maxApplied = Math.max(...nodes.map((n) => n.appliedIndex));
  const behind = nodes.filter((n) => n.appliedIndex !== maxApplied || n.commitIndex < maxApplied);
  if (behind.length > 0) {
    report({
      invariant: 'convergence',
      time,
      nodes: behind.map((n) => n.id),
      message: `nodes did not catch up after the quiet period: ${nodes
        .map((n) => `${n.id} commit=${n.commitIndex} applied=${n.appliedIndex}`)
        .join(', ')}`,
    });
    return;
  }
  const hashes = new Set(nodes.map((n) => n.stateHash));
  if (hashes.size > 1) {
    report({
      invariant: 'convergence',
      time,
      nodes: nodes.map((n) => n.id),
      message: `state hashes differ at applied index ${maxApplied}: ${nodes.map((n) => `${n.id}=${n.stateHash}`).join(', ')}`,
    });
  }
}
