/**
 * State machine safety across snapshots. Every replica applies the same
 * committed entries to a deterministic state machine, so the state right
 * after index i is one state, with one hash, everywhere. The first node to
 * apply each index records that hash; then
 *
 * - a snapshot a host takes at i must hold the state it had at i (the host
 *   snapshotted what it applied, not something else);
 * - a state machine restored from a snapshot at i (installed from a leader,
 *   or read back from storage at a restart) must be that state, and say it is
 *   at applied index i.
 *
 * One hash per index (taken once, by the first applier): the cost does not
 * grow with the number of nodes.
 */
import type { NodeId } from '@raftkit/core';
import type { ViolationSink } from './types.js';

interface HashedState {
  readonly appliedIndex: number;
  hash(): string;
}

export class SnapshotSafety {
  /** hashAt[i]: state hash right after applying index i (first applier). */
  private readonly hashAt = new Map<number, string>();
  taken = 0;
  restored = 0;

  constructor(private readonly report: ViolationSink) {}

  /** A state machine just applied `index` (called after every apply). */
  onApplied(index: number, sm: HashedState): void {
    if (!this.hashAt.has(index)) this.hashAt.set(index, sm.hash());
  }

  /** `node` took a snapshot at `index` of a state whose hash is `hash`. */
  onTaken(node: NodeId, index: number, hash: string, time: number): void {
    this.taken++;
    this.compare(node, index, hash, time, 'took a snapshot');
  }

  /**
   * `node` restored a snapshot made at `index`; the state machine now says it
   * applied `appliedIndex` and hashes to `hash`.
   */
  onRestored(node: NodeId, index: number, appliedIndex: number, hash: string, time: number): void {
    this.restored++;
    if (appliedIndex !== index) {
      this.report({
        invariant: 'snapshotSafety',
        time,
        nodes: [node],
        index,
        message: `${node} restored a snapshot made at index ${index} whose state says it applied ${appliedIndex}`,
      });
      return;
    }
    this.compare(node, index, hash, time, 'restored a snapshot');
  }

  private compare(node: NodeId, index: number, hash: string, time: number, what: string): void {
    const want = this.hashAt.get(index);
    if (want === undefined) {
      // Nobody applied this index in this run's memory (e.g. it was in every node's snapshot).
      this.hashAt.set(index, hash);
      return;
    }
    if (want !== hash) {
      this.report({
        invariant: 'snapshotSafety',
        time,
        nodes: [node],
        index,
        message: `${node} ${what} at index ${index} with state hash ${hash}, but the state after applying ${index} is ${want}`,
      });
    }
  }
}
