/**
 * Proposal outcomes: every propose() ends in exactly one ProposalOutcome.
 * A leader tracks its proposals by log index until they commit. When it loses
 * leadership, the uncommitted ones become orphans. An orphan ends `committed`
 * once our commit index covers it and the same entry is there, `truncated`
 * once a different entry is committed at its index (it never can be), or
 * `termChanged` if neither is known within an election timeout
 * (indeterminate: another node may still hold it and commit it later).
 */
import type { DropReason, NodeId, ProposalOutcome } from './types.js';

interface Tracked {
  readonly id: number;
  readonly index: number;
  readonly term: number;
}

interface Orphan extends Tracked {
  /** Tick after which it is reported `termChanged` if its fate is still unknown. */
  readonly deadline: number;
}

export class ProposalTracker {
  private nextId = 1;
  private pending: Tracked[] = [];
  private head = 0;
  private orphans: Orphan[] = [];

  newId(): number {
    return this.nextId++;
  }

  /** Proposals awaiting commit on this leader. */
  get pendingCount(): number {
    return this.pending.length - this.head;
  }

  get hasOrphans(): boolean {
    return this.orphans.length > 0;
  }

  track(id: number, index: number, term: number): void {
    this.pending.push({ id, index, term });
  }

  static dropped(id: number, reason: DropReason, leaderHint: NodeId | null): ProposalOutcome {
    return { id, status: 'dropped', reason, leaderHint };
  }

  /** The leader's commit index reached `committed`: report every proposal at or below it. */
  commitUpTo(committed: number, out: ProposalOutcome[]): void {
    while (this.head < this.pending.length && this.pending[this.head].index <= committed) {
      const p = this.pending[this.head++];
      out.push({ id: p.id, status: 'committed', index: p.index, term: p.term });
    }
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  /** Leadership is lost: uncommitted proposals wait for resolveOrphans() until `deadline` at most. */
  orphanAll(deadline: number): void {
    for (let i = this.head; i < this.pending.length; i++) this.orphans.push({ ...this.pending[i], deadline });
    this.pending = [];
    this.head = 0;
  }

  /**
   * Report the orphans whose fate is known: our commit index covers them
   * (committed entries never change, so `committed` or `truncated` is final),
   * or their deadline passed (`termChanged`, indeterminate).
   */
  resolveOrphans(
    now: number,
    termAt: (index: number) => number | null,
    committed: number,
    leaderHint: NodeId | null,
    out: ProposalOutcome[],
  ): void {
    const waiting: Orphan[] = [];
    for (const p of this.orphans) {
      const t = p.index <= committed ? termAt(p.index) : null;
      if (t !== null) {
        if (t === p.term) out.push({ id: p.id, status: 'committed', index: p.index, term: p.term });
        else out.push(ProposalTracker.dropped(p.id, 'truncated', leaderHint));
      } else if (p.index <= committed || now >= p.deadline) {
        // Compacted away unseen, or still unknown: another node may hold it and commit it later.
        out.push(ProposalTracker.dropped(p.id, 'termChanged', leaderHint));
      } else {
        waiting.push(p);
      }
    }
    this.orphans = waiting;
  }
}
