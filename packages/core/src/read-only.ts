/**
 * ReadIndex bookkeeping on a leader (Raft thesis §6.4). A read records the
 * commit index when it arrives, then waits until a heartbeat round sent
 * after it is acknowledged by a quorum: only then is it known that no newer
 * leader existed at that moment, so serving at that index is linearizable.
 * Reads arriving before the leader committed an entry of its own term wait
 * for that first (until then its commit index may lag the true one).
 * Several reads share one round; rounds are numbered by the heartbeat `seq`.
 */
import type { NodeId, ReadMode } from './types.js';

export interface ReadRequest {
  readonly ctx: number;
  /** null: asked locally by the host; otherwise a follower that forwarded it. */
  readonly from: NodeId | null;
  readonly mode: ReadMode;
}

export interface PendingRead extends ReadRequest {
  readonly index: number;
  /** The heartbeat round whose quorum acknowledgement confirms this read. */
  readonly round: number;
}

/** Send ticks of heartbeat rounds remembered at most. */
const MAX_REMEMBERED_ROUNDS = 1024;

export class ReadIndexQueue {
  private round = 0;
  private readonly roundSentAt = new Map<number, number>();
  private pending: PendingRead[] = [];
  private deferred: ReadRequest[] = [];
  private roundWanted = false;

  /** Number of the last heartbeat round sent in this term. */
  get lastRound(): number {
    return this.round;
  }

  /** A read is waiting for a round that has not been sent yet. */
  get wantsRound(): boolean {
    return this.roundWanted;
  }

  get size(): number {
    return this.pending.length + this.deferred.length;
  }

  /** Hold a read until the leader has committed an entry of its term. */
  defer(req: ReadRequest): void {
    this.deferred.push(req);
  }

  takeDeferred(): ReadRequest[] {
    const out = this.deferred;
    this.deferred = [];
    return out;
  }

  /** Wait for the next heartbeat round to be acknowledged by a quorum. */
  enqueue(req: ReadRequest, index: number): void {
    this.pending.push({ ...req, index, round: this.round + 1 });
    this.roundWanted = true;
  }

  /** A heartbeat round is being sent at tick `now`; returns its number (the heartbeat seq). */
  startRound(now: number): number {
    this.round++;
    this.roundSentAt.set(this.round, now);
    this.roundWanted = false;
    return this.round;
  }

  /** The tick round `round` was sent, if still remembered. */
  sentAt(round: number): number | undefined {
    return this.roundSentAt.get(round);
  }

  /**
   * A quorum acknowledged every round up to `quorumRound`: release the reads
   * it confirms. Returns them, with the tick that round was sent (for leases).
   * Send ticks of rounds from `keepFrom` on stay known (a lease quorum that
   * lags the read quorum still needs them); memory stays bounded regardless.
   */
  confirm(
    quorumRound: number,
    keepFrom: number = quorumRound,
  ): { released: PendingRead[]; sentAt: number | undefined } {
    const sentAt = this.roundSentAt.get(quorumRound);
    const pruneBelow = Math.min(quorumRound, keepFrom);
    for (const r of this.roundSentAt.keys()) if (r < pruneBelow) this.roundSentAt.delete(r);
    while (this.roundSentAt.size > MAX_REMEMBERED_ROUNDS) {
      const oldest = this.roundSentAt.keys().next();
      if (oldest.done === true) break;
      this.roundSentAt.delete(oldest.value);
    }
    let n = 0;
    while (n < this.pending.length && this.pending[n].round <= quorumRound) n++;
    const released = n === 0 ? [] : this.pending.splice(0, n);
    return { released, sentAt };
  }

  /** Every read still waiting, removed from the queue; round numbering goes on (the leader stays leader). */
  dropPending(): ReadRequest[] {
    const out: ReadRequest[] = [...this.deferred, ...this.pending];
    this.pending = [];
    this.deferred = [];
    this.roundWanted = false;
    return out;
  }

  /** Every read still waiting (the leader is stepping down); the queue is reset. */
  drain(): ReadRequest[] {
    const out: ReadRequest[] = [...this.deferred, ...this.pending];
    this.reset();
    return out;
  }

  reset(): void {
    this.round = 0;
    this.roundSentAt.clear();
    this.pending = [];
    this.deferred = [];
    this.roundWanted = false;
  }
}
