/**
 * Raft's safety properties checked over a running test Cluster, step by step:
 * - election safety: at most one leader per term;
 * - state machine safety: every node that applies index i applies the same
 *   entry, and hosts at the same applied index have the same state (the hash
 *   chain of host-state.ts, which also covers state restored from snapshots);
 * - committed outcomes are real: a proposal reported committed at (i, t) is
 *   the entry applied at i.
 * Reads each node's records incrementally (restarts start new records).
 */

import type { NodeId } from '@raftkit/core';
import type { Cluster, ClusterNode } from './cluster.js';

interface Cursor {
  transitions: number;
  applied: number;
  outcomes: number;
}

export class SafetyChecker {
  readonly leadersByTerm = new Map<number, NodeId>();
  /** index -> "term:type:hex(data)" of the entry applied there. */
  readonly chosen = new Map<number, string>();
  /** applied index -> host state hash. */
  readonly stateAt = new Map<number, number>();
  committedOutcomes = 0;
  elections = 0;
  private readonly cursors = new WeakMap<ClusterNode, Cursor>();

  constructor(private readonly label: string) {}

  private fail(msg: string): never {
    throw new Error(`${this.label}: ${msg}`);
  }

  check(c: Cluster): void {
    for (const id of c.ids) {
      const cn = c.n(id);
      let cur = this.cursors.get(cn);
      if (!cur) {
        cur = { transitions: 0, applied: 0, outcomes: 0 };
        this.cursors.set(cn, cur);
      }
      for (; cur.transitions < cn.transitions.length; cur.transitions++) {
        const t = cn.transitions[cur.transitions];
        if (t.to !== 'leader') continue;
        this.elections++;
        const prev = this.leadersByTerm.get(t.term);
        if (prev !== undefined && prev !== id) this.fail(`two leaders in term ${t.term}: ${prev} and ${id}`);
        this.leadersByTerm.set(t.term, id);
      }
      for (; cur.applied < cn.applied.length; cur.applied++) {
        const e = cn.applied[cur.applied];
        const key = `${e.term}:${e.type}:${Buffer.from(e.data).toString('hex')}`;
        const known = this.chosen.get(e.index);
        if (known !== undefined && known !== key) {
          this.fail(`${id} applied ${key} at ${e.index}, but ${known} was applied there elsewhere`);
        }
        this.chosen.set(e.index, key);
      }
      for (; cur.outcomes < cn.outcomes.length; cur.outcomes++) {
        const o = cn.outcomes[cur.outcomes];
        if (o.status !== 'committed') continue;
        this.committedOutcomes++;
        // The committing leader applies it in the same Ready, so it must be known already.
        const key = this.chosen.get(o.index);
        if (key === undefined || !key.startsWith(`${o.term}:`)) {
          this.fail(`${id}: outcome ${o.id} committed at (${o.index},${o.term}) but ${key} was applied`);
        }
      }
      const s = cn.state;
      if (s.index > 0) {
        const h = this.stateAt.get(s.index);
        if (h !== undefined && h !== s.hash)
          this.fail(`${id} has state ${s.hash} at ${s.index}, another ${h}`);
        this.stateAt.set(s.index, s.hash);
      }
    }
  }

  get committedIndex(): number {
    let max = 0;
    for (const i of this.chosen.keys()) max = Math.max(max, i);
    return max;
  }
}
