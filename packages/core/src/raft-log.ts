/**
 * The Raft log as one node sees it: the host's stable Storage plus the
 * "unstable" tail (entries and possibly a snapshot) that this node has
 * decided on but the host has not yet persisted. Also tracks the commit and
 * apply points. Pure bookkeeping; no Raft rules about terms or roles.
 */
import { assert } from './assert.js';
import { CompactedError, UnavailableError } from './errors.js';
import type { Storage } from './storage.js';
import type { Entry, Snapshot } from './types.js';

export class RaftLog {
  /** Index of unstable[0]; storage is authoritative only below it. */
  private offset: number;
  private unstable: Entry[] = [];
  /** How many of `unstable` were already handed to the host in a Ready. */
  private inProgress = 0;
  private unstableSnapshot: Snapshot | null = null;
  private snapshotHandedOut = false;

  committed: number;
  /** Highest index handed to the host for applying (Ready.committedEntries). */
  applying: number;
  /** Highest index the host confirmed applied (advance()). */
  applied: number;
  /**
   * Called after every append with the entries written (they replaced
   * whatever followed `entries[0].index - 1`): membership follows the log.
   */
  onAppend: ((entries: readonly Entry[]) => void) | null = null;

  constructor(readonly storage: Storage) {
    const first = storage.firstIndex();
    this.offset = storage.lastIndex() + 1;
    this.committed = first - 1;
    this.applying = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstableSnapshot ? this.unstableSnapshot.meta.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.unstable.length > 0) return this.offset + this.unstable.length - 1;
    if (this.unstableSnapshot) return this.unstableSnapshot.meta.index;
    return this.offset - 1;
  }

  /** Term of entry `i`; throws CompactedError / UnavailableError outside [firstIndex-1, lastIndex]. */
  term(i: number): number {
    const t = this.termOrNull(i);
    if (t !== null) return t;
    if (i > this.lastIndex()) throw new UnavailableError(i);
    throw new CompactedError(i);
  }

  /** Term of entry `i`, or null when it is compacted or beyond the log. Never throws (hot path). */
  termOrNull(i: number): number | null {
    if (i > this.lastIndex()) return null;
    if (i >= this.offset) return this.unstable[i - this.offset].term;
    const snap = this.unstableSnapshot;
    if (snap) return i === snap.meta.index ? snap.meta.term : null;
    if (i < this.storage.firstIndex() - 1) return null;
    return this.storage.term(i);
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  matchTerm(i: number, t: number): boolean {
    return this.termOrNull(i) === t;
  }

  /** §5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Whether a log ending at (lastIndex, lastTerm) is strictly ahead of ours (more up to date and not equal). */
  isAhead(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex > this.lastIndex());
  }

  /**
   * Entries [lo, hi) from storage and the unstable tail, at least one entry if
   * any is in range, then at most `maxBytes` of payload and `maxCount` entries.
   */
  slice(
    lo: number,
    hi: number,
    maxBytes = Number.POSITIVE_INFINITY,
    maxCount = Number.POSITIVE_INFINITY,
  ): Entry[] {
    if (lo < this.firstIndex()) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1);
    const end = Math.min(hi, lo + maxCount);
    if (lo >= end) return [];
    let out: Entry[] = [];
    let bytes = 0;
    if (lo < this.offset) {
      const stableHi = Math.min(end, this.offset);
      out = this.storage.entries(lo, stableHi, Number.isFinite(maxBytes) ? maxBytes : undefined);
      for (const e of out) bytes += e.data.byteLength;
      if (out.length < stableHi - lo) return out; // byte limit reached inside storage
    }
    for (let i = Math.max(lo, this.offset); i < end; i++) {
      const e = this.unstable[i - this.offset];
      if (out.length > 0 && bytes + e.data.byteLength > maxBytes) break;
      bytes += e.data.byteLength;
      out.push(e);
    }
    return out;
  }

  /** First index in `entries` whose term differs from ours (or is beyond our log); 0 if all match. */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Fast backtracking: the largest index <= `index` whose term is <= `term`,
   * with its term. Entries above it cannot match a log whose entry at `index`
   * has term `term`, so a leader can skip them in one round trip.
   */
  findConflictByTerm(index: number, term: number): [number, number] {
    for (let i = Math.min(index, this.lastIndex()); i >= 0; i--) {
      const t = this.termOrNull(i);
      if (t === null) return [i, 0];
      if (t <= term) return [i, t];
    }
    return [0, 0];
  }

  /**
   * Follower side of AppendEntries: if our log has (prevIndex, prevTerm),
   * append `entries` (dropping any conflicting suffix), advance commit to
   * min(commit, last new index) and return the last new index; else null.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      // Log Matching (§5.3): a committed entry is the same on every log that holds it.
      assert(
        conflict > this.committed,
        () => `entry ${conflict} conflicts with committed index ${this.committed}`,
      );
      this.append(entries.slice(conflict - (prevIndex + 1)));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** Append to the unstable tail, truncating whatever follows entries[0].index. Returns the new last index. */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const after = entries[0].index;
    // Leader Completeness: what is committed is never truncated.
    assert(
      after - 1 >= this.committed,
      () => `append at ${after} would truncate committed index ${this.committed}`,
    );
    if (after === this.offset + this.unstable.length) {
      for (const e of entries) this.unstable.push(e);
    } else if (after <= this.offset) {
      // Replaces part of the stable log: the host's next append truncates storage at `after`.
      this.offset = after;
      this.unstable = [...entries];
      this.inProgress = 0;
    } else {
      const keep = after - this.offset;
      this.unstable = this.unstable.slice(0, keep).concat(entries);
      this.inProgress = Math.min(this.inProgress, keep);
    }
    this.onAppend?.(entries);
    return this.lastIndex();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    // Only an entry this log holds can be committed here (commit never goes back: returned above).
    assert(index <= this.lastIndex(), () => `commit ${index} is beyond the last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** Install a snapshot received from the leader: the log restarts after it. */
  restore(snapshot: Snapshot): void {
    this.unstableSnapshot = snapshot;
    this.snapshotHandedOut = false;
    this.offset = snapshot.meta.index + 1;
    this.unstable = [];
    this.inProgress = 0;
    this.committed = snapshot.meta.index;
    // The host applies the snapshot itself (Ready.snapshot) before any later committed entry.
    this.applying = snapshot.meta.index;
  }

  /** The snapshot a lagging follower needs: a pending received one, else storage's latest. */
  snapshot(): Snapshot | null {
    return this.unstableSnapshot ?? this.storage.snapshot();
  }

  // ---- handing work to the host --------------------------------------------

  hasEntriesToPersist(): boolean {
    return this.inProgress < this.unstable.length;
  }

  /** A snapshot received from the leader waits to be persisted (or for the advance() after that). */
  hasReceivedSnapshot(): boolean {
    return this.unstableSnapshot !== null;
  }

  hasSnapshotToPersist(): boolean {
    return this.unstableSnapshot !== null && !this.snapshotHandedOut;
  }

  /** Unstable entries not yet handed out; marks them in progress. */
  takeEntriesToPersist(): Entry[] {
    const out = this.unstable.slice(this.inProgress);
    this.inProgress = this.unstable.length;
    return out;
  }

  takeSnapshotToPersist(): Snapshot | null {
    if (!this.hasSnapshotToPersist()) return null;
    this.snapshotHandedOut = true;
    return this.unstableSnapshot;
  }

  /** The host persisted entries up to (index, term): drop them from the unstable tail (unless replaced since). */
  stableTo(index: number, term: number): void {
    if (index < this.offset || index >= this.offset + this.unstable.length) return;
    if (this.unstable[index - this.offset].term !== term) return;
    const n = index + 1 - this.offset;
    this.unstable = this.unstable.slice(n);
    this.offset = index + 1;
    this.inProgress = Math.max(0, this.inProgress - n);
  }

  stableSnapTo(index: number): void {
    if (this.unstableSnapshot && this.unstableSnapshot.meta.index === index) {
      this.unstableSnapshot = null;
      this.snapshotHandedOut = false;
    }
  }

  hasEntriesToApply(): boolean {
    return this.committed > this.applying;
  }

  /** Committed entries not yet handed out for applying; marks them handed out. */
  takeEntriesToApply(): Entry[] {
    if (this.committed <= this.applying) return [];
    const lo = Math.max(this.applying + 1, this.firstIndex());
    const out = this.slice(lo, this.committed + 1);
    this.applying = this.committed;
    return out;
  }

  appliedTo(index: number): void {
    if (index > this.applied) this.applied = index;
  }
}
