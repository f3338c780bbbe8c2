/**
 * The leader's view of one follower (etcd's Progress): how much of the log
 * matches, what to send next, and how: `probe` (one message per heartbeat
 * until we find where the logs agree), `replicate` (optimistic pipelining up
 * to an inflight window) or `snapshot` (the entries it needs were compacted).
 */
import { assert } from './assert.js';
import type { OutgoingSnapshot } from './snapshot-sender.js';
import type { NodeId, PeerProgress, ProgressState } from './types.js';

/** A bounded FIFO of the last index of each append message in flight (replicate state). */
export class Inflights {
  private readonly buf: number[];
  private start = 0;
  count = 0;

  constructor(readonly capacity: number) {
    this.buf = new Array<number>(capacity).fill(0);
  }

  full(): boolean {
    return this.count >= this.capacity;
  }

  add(lastIndex: number): void {
    if (this.full()) return;
    this.buf[(this.start + this.count) % this.capacity] = lastIndex;
    this.count++;
  }

  /** Free every message whose last index is <= `index` (acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && this.buf[this.start] <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  freeFirstOne(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Probe state: a probe is in flight, wait for its answer (or the next heartbeat response). */
  probeSent = false;
  /** Snapshot state: index of the snapshot being sent, and when the follower last answered about it. */
  pendingSnapshot = 0;
  snapshotSentTick = 0;
  /** Snapshot state: the chunked transfer in progress. */
  transfer: OutgoingSnapshot | null = null;
  /** After the follower refused a snapshot, no new transfer starts before this tick. */
  snapshotRetryTick = 0;
  readonly inflights: Inflights;
  /** Last tick this follower answered us (CheckQuorum, recentActive). */
  lastContactTick: number;
  /** Highest heartbeat round it acknowledged (ReadIndex / lease confirmation). */
  ackedRound = 0;
  /** Highest commit index we told it. */
  sentCommit = 0;
  /** The heartbeat round current when we last sent it an append (lost-append detection). */
  lastAppendRound = 0;
  /** Send an append at the next flush even if it carries no entries (probe or commit). */
  forceSend = false;

  constructor(
    readonly id: NodeId,
    lastIndex: number,
    maxInflight: number,
    /** A learner: replicated to, never counted (promotion flips it). */
    public isLearner: boolean,
    now: number,
  ) {
    this.next = lastIndex + 1;
    this.inflights = new Inflights(maxInflight);
    this.lastContactTick = now;
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.transfer = null;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.transfer = null;
    this.inflights.reset();
  }

  becomeSnapshot(transfer: OutgoingSnapshot, now: number): void {
    this.state = 'snapshot';
    this.transfer = transfer;
    this.pendingSnapshot = transfer.index;
    this.snapshotSentTick = now;
    this.probeSent = false;
    this.inflights.reset();
  }

  /** An acknowledgement that the follower's log matches ours up to `index`. Returns true if it was news. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    assert(this.match < this.next, () => `${this.id}: match ${this.match} not below next ${this.next}`);
    return updated;
  }

  /**
   * A rejection of the append whose prevIndex was `rejected`; `matchHint` is
   * the highest index that may still match. Returns false for stale rejections.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    const next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    // No progress means the follower rejects an index it said it matched: only
    // possible if safety is already broken. Do not bounce probes in a tight
    // loop; the next heartbeat response retries.
    if (next === this.next) return false;
    this.next = next;
    this.probeSent = false;
    // What the follower acknowledged is never sent again as unknown: next stays above match.
    assert(this.match < this.next, () => `${this.id}: match ${this.match} not below next ${this.next}`);
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  /** Bookkeeping after sending an append carrying `count` entries ending at `lastIndex`. */
  sentEntries(count: number, lastIndex: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /** Whether an (empty) append could tell the follower a newer commit index it can use. */
  canBumpCommit(committed: number): boolean {
    return committed > this.sentCommit && this.sentCommit < this.next - 1;
  }

  view(now: number, activeWindow: number): PeerProgress {
    return {
      id: this.id,
      match: this.match,
      next: this.next,
      state: this.state,
      inflight: this.inflights.count,
      recentActive: now - this.lastContactTick < activeWindow,
      isLearner: this.isLearner,
    };
  }
}
