/**
 * The bounds of a stored Raft log and the rules that keep them consistent,
 * written once for every store (core's `MemoryStorage`, the runtime's memory
 * and LMDB stores). A store keeps its entries however it likes; the window
 * keeps where they begin and end and decides which reads, appends,
 * snapshots and compactions are valid.
 *
 * The log holds entries (compactIndex, lastIndex]; the term at compactIndex
 * (the compaction point) stays known. The latest snapshot is at
 * snapshotIndex (0: none), and compactIndex <= snapshotIndex <= lastIndex:
 * compaction never passes the snapshot (the entries in between would exist
 * nowhere), and a snapshot is never taken beyond the log.
 *
 * Out-of-range reads throw `CompactedError` / `UnavailableError`; every other
 * refusal goes through `refuse(detail)`, so a store can raise its own typed
 * error (one that names its path) with the window's message. The default is
 * `RaftError` with code `STORAGE`.
 */

import { CompactedError, RaftError, UnavailableError } from './errors.js';
import type { Entry } from './types.js';

/** Where a log stands: what a store reads back when it opens (see `LogWindow.restore`). */
export interface LogBounds {
  readonly compactIndex: number;
  readonly compactTerm: number;
  readonly lastIndex: number;
  /** The latest snapshot (null: none). */
  readonly snapshot: { readonly index: number; readonly term: number } | null;
}

const storageError = (detail: string): Error => new RaftError('STORAGE', detail);

export class LogWindow {
  private compactIdx = 0;
  private compactTrm = 0;
  private last = 0;
  private snapIdx = 0;

  /**
   * `termOf(i)`: the term of the entry the store holds at index i, asked only
   * for i in (compactIndex, lastIndex]. `refuse`: builds the error of a refused
   * write (default `RaftError` code `STORAGE`).
   */
  constructor(
    private readonly termOf: (index: number) => number,
    private readonly refuse: (detail: string) => Error = storageError,
  ) {}

  /** The compaction point: the last index discarded (0: nothing was). */
  get compactIndex(): number {
    return this.compactIdx;
  }
  get compactTerm(): number {
    return this.compactTrm;
  }
  /** Index of the latest snapshot, 0 when there is none. */
  get snapshotIndex(): number {
    return this.snapIdx;
  }
  firstIndex(): number {
    return this.compactIdx + 1;
  }
  lastIndex(): number {
    return this.last;
  }

  /** Term at `index`, valid in [compactIndex, lastIndex]. */
  term(index: number): number {
    if (index < this.compactIdx) throw new CompactedError(index);
    if (index > this.last) throw new UnavailableError(index);
    return index === this.compactIdx ? this.compactTrm : this.termOf(index);
  }

  /** Throws unless entries [lo, hi) can be read; false when the range is empty. */
  readable(lo: number, hi: number): boolean {
    if (lo <= this.compactIdx) throw new CompactedError(lo);
    if (hi > this.last + 1) throw new UnavailableError(hi - 1);
    return lo < hi;
  }

  /**
   * The entries an append must write: `entries` (contiguous) may overwrite a
   * suffix of the log but may not leave a gap after it. Entries at or below
   * the compaction point are dropped: they are covered by the snapshot
   * (committed, so by Log Matching the same entries). `installing`: a
   * snapshot written in the same batch, before the entries (it replaces the
   * log up to its index). Changes nothing; `appended()` records the write.
   */
  appendable(
    entries: readonly Entry[],
    installing: { readonly index: number } | null = null,
  ): readonly Entry[] {
    if (entries.length === 0) return entries;
    for (let i = 1; i < entries.length; i++) {
      if (entries[i].index !== entries[i - 1].index + 1) {
        throw this.refuse(`entries are not contiguous at index ${entries[i].index}`);
      }
    }
    const base = installing ? installing.index : this.compactIdx;
    const last = installing ? installing.index : this.last;
    if (entries[entries.length - 1].index <= base) return [];
    const batch = entries[0].index <= base ? entries.slice(base + 1 - entries[0].index) : entries;
    const first = batch[0].index;
    if (first > last + 1) throw this.refuse(`append at ${first} would leave a gap after last index ${last}`);
    return batch;
  }

  /** An append (or the truncation of a suffix) was written: the log now ends at `lastIndex`. */
  appended(lastIndex: number): void {
    this.last = lastIndex;
  }

  /**
   * A snapshot of the state machine at applied `index` is recorded: it must
   * be newer than the latest one and within the log. Returns the term at
   * `index` (the snapshot's term).
   */
  recordSnapshot(index: number): number {
    if (!Number.isSafeInteger(index) || index <= this.snapIdx) {
      throw this.refuse(`snapshot at ${index} is not newer than ${this.snapIdx}`);
    }
    if (index > this.last) throw new UnavailableError(index);
    const term = this.termOf(index);
    this.snapIdx = index;
    return term;
  }

  /**
   * Move the compaction point to `index` (its term stays known). False when
   * the log is already compacted that far (nothing to do). Refused past the
   * latest snapshot, and so always when there is none.
   */
  compactTo(index: number): boolean {
    if (index <= this.compactIdx) return false;
    if (index > this.last) throw new UnavailableError(index);
    if (index > this.snapIdx) {
      throw this.refuse(
        this.snapIdx === 0
          ? `cannot compact to ${index}: there is no snapshot`
          : `cannot compact to ${index}: the latest snapshot is at ${this.snapIdx}`,
      );
    }
    this.compactTrm = this.termOf(index);
    this.compactIdx = index;
    return true;
  }

  /** Throws unless a snapshot at `index` received from a leader may replace the log (it may not be older). */
  checkInstall(index: number): void {
    const current = Math.max(this.snapIdx, this.compactIdx);
    if (!Number.isSafeInteger(index) || index < current) {
      throw this.refuse(`snapshot at ${index} is older than ${current}`);
    }
  }

  /** A snapshot from a leader replaced the whole log: it is the compaction point and the log's end. */
  installed(index: number, term: number): void {
    this.compactIdx = index;
    this.compactTrm = term;
    this.last = index;
    this.snapIdx = index;
  }

  /** Take over the bounds of a store being opened (or recovered), refused unless they are consistent. */
  restore(bounds: LogBounds): void {
    const { compactIndex, compactTerm, lastIndex, snapshot } = bounds;
    const snapIndex = snapshot?.index ?? 0;
    this.checkCompactionPoint(bounds);
    if (!Number.isSafeInteger(lastIndex) || lastIndex < compactIndex) {
      throw this.refuse(`log bounds are malformed: last index ${lastIndex}, compacted to ${compactIndex}`);
    }
    if (lastIndex < snapIndex) {
      throw this.refuse(
        `the log ends at ${lastIndex}, before the snapshot at ${snapIndex} it was compacted behind`,
      );
    }
    this.compactIdx = compactIndex;
    this.compactTrm = compactTerm;
    this.last = lastIndex;
    this.snapIdx = snapIndex;
  }

  /**
   * The compaction point a store records must sit at or behind its latest
   * snapshot, with the snapshot's term where they meet (a store checks this
   * before it reads the log that begins there; `restore` checks it too).
   */
  checkCompactionPoint(bounds: Omit<LogBounds, 'lastIndex'>): void {
    const { compactIndex, compactTerm, snapshot } = bounds;
    const snapIndex = snapshot?.index ?? 0;
    for (const n of [compactIndex, compactTerm, snapIndex, snapshot?.term ?? 0]) {
      if (!Number.isSafeInteger(n) || n < 0) throw this.refuse(`log bounds are malformed: ${n}`);
    }
    if (compactIndex > snapIndex) {
      throw this.refuse(
        `log compacted to ${compactIndex}, past the snapshot at ${snapIndex}: entries in between are lost`,
      );
    }
    if (snapshot && compactIndex === snapIndex && compactTerm !== snapshot.term) {
      throw this.refuse(
        `compaction point ${compactIndex} has term ${compactTerm}, the snapshot there has term ${snapshot.term}`,
      );
    }
  }
}

/**
 * The Storage reads a LogWindow answers on its own (bounds and terms): every
 * store over a window (core's MemoryStorage, the runtime's memory and LMDB
 * stores) extends this instead of restating them.
 */
export abstract class WindowedStorage {
  protected abstract readonly window: LogWindow;

  firstIndex(): number {
    return this.window.firstIndex();
  }
  lastIndex(): number {
    return this.window.lastIndex();
  }
  term(index: number): number {
    return this.window.term(index);
  }
}
