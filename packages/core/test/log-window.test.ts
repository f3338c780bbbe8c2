/**
 * LogWindow: the bounds and rules every store shares (core's MemoryStorage,
 * the runtime's memory and LMDB stores), driven through the public export
 * over a plain array of entries.
 */
import { CompactedError, type Entry, LogWindow, RaftError, UnavailableError } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { entriesWithTerms, entry } from './helpers/builders.js';

/** A window over an array of entries, written the way a store writes them. */
function store(terms: readonly number[] = []) {
  let ents: Entry[] = [];
  const window: LogWindow = new LogWindow((i) => ents[i - window.firstIndex()].term);
  const append = (batch: readonly Entry[]) => {
    const kept = window.appendable(batch);
    if (kept.length === 0) return;
    ents = ents.slice(0, kept[0].index - window.firstIndex()).concat(kept);
    window.appended(kept[kept.length - 1].index);
  };
  const compact = (index: number) => {
    const from = window.firstIndex();
    if (window.compactTo(index)) ents = ents.slice(index + 1 - from);
  };
  append(entriesWithTerms(terms));
  return { window, append, compact, entries: () => ents };
}

/** The error a refusal raised, checked to be the window's (RaftError STORAGE by default). */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RaftError);
    expect((err as RaftError).code).toBe('STORAGE');
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('LogWindow', () => {
  it('an empty log: first index 1, last 0, term(0) = 0, nothing readable', () => {
    const { window } = store();
    expect([window.firstIndex(), window.lastIndex(), window.term(0)]).toEqual([1, 0, 0]);
    expect(window.readable(1, 1)).toBe(false);
    expect(() => window.term(1)).toThrow(UnavailableError);
    expect(() => window.readable(1, 2)).toThrow(UnavailableError);
  });

  it('reads within (compactIndex, lastIndex]; the compaction point keeps its term', () => {
    const { window, compact } = store([1, 1, 2, 2, 3]);
    window.recordSnapshot(3);
    compact(2);
    expect([window.firstIndex(), window.lastIndex(), window.compactIndex]).toEqual([3, 5, 2]);
    expect([window.term(2), window.term(3), window.term(5)]).toEqual([1, 2, 3]);
    expect(() => window.term(1)).toThrow(CompactedError);
    expect(() => window.readable(2, 4)).toThrow(CompactedError);
    expect(() => window.readable(3, 7)).toThrow(UnavailableError);
    expect(window.readable(3, 6)).toBe(true);
  });

  it('append overwrites a suffix, refuses a gap and non-contiguous entries, drops what is compacted', () => {
    const s = store([1, 1, 1]);
    s.append([entry(2, 2), entry(3, 2), entry(4, 2)]);
    expect(s.entries().map((e) => e.term)).toEqual([1, 2, 2, 2]);
    expect(s.window.lastIndex()).toBe(4);
    expect(refusal(() => s.append([entry(6, 2)]))).toMatch(
      /append at 6 would leave a gap after last index 4/,
    );
    expect(refusal(() => s.append([entry(5, 2), entry(7, 2)]))).toMatch(/not contiguous at index 7/);
    s.window.recordSnapshot(3);
    s.compact(3);
    // Entries up to the compaction point are covered by the snapshot: only 4.. is written.
    expect(s.window.appendable([entry(2, 2), entry(3, 2), entry(4, 3)]).map((e) => e.index)).toEqual([4]);
    expect(s.window.appendable([entry(1, 1), entry(2, 2)])).toEqual([]);
    expect(s.window.lastIndex()).toBe(4); // appendable changes nothing
  });

  it('snapshots: newer than the latest, within the log; the snapshot term is the entry term', () => {
    const { window } = store([1, 2, 2]);
    expect(window.recordSnapshot(2)).toBe(2);
    expect(window.snapshotIndex).toBe(2);
    expect(refusal(() => window.recordSnapshot(2))).toMatch(/snapshot at 2 is not newer than 2/);
    expect(refusal(() => window.recordSnapshot(1.5))).toMatch(/not newer/);
    expect(() => window.recordSnapshot(4)).toThrow(UnavailableError);
    expect(window.snapshotIndex).toBe(2);
  });

  it('compaction never passes the latest snapshot (and needs one); at or below the point it does nothing', () => {
    const s = store([1, 1, 1, 1, 1]);
    expect(refusal(() => s.compact(2))).toMatch(/cannot compact to 2: there is no snapshot/);
    s.window.recordSnapshot(3);
    expect(refusal(() => s.compact(4))).toMatch(/cannot compact to 4: the latest snapshot is at 3/);
    expect(() => s.compact(6)).toThrow(UnavailableError);
    s.compact(3);
    expect(s.window.firstIndex()).toBe(4);
    expect(s.window.compactTo(2)).toBe(false);
    expect(s.entries().map((e) => e.index)).toEqual([4, 5]);
  });

  it('an installed snapshot replaces the log; an older one is refused; entries of its batch follow it', () => {
    const { window } = store([1, 1, 1]);
    window.checkInstall(10);
    window.installed(10, 3);
    expect([window.compactIndex, window.compactTerm, window.lastIndex(), window.snapshotIndex]).toEqual([
      10, 3, 10, 10,
    ]);
    expect(window.term(10)).toBe(3);
    expect(refusal(() => window.checkInstall(9))).toMatch(/snapshot at 9 is older than 10/);
    window.checkInstall(10);
    // Checked against the snapshot installed in the same batch, before it is recorded.
    const fresh = store([1]).window;
    expect(fresh.appendable([entry(20, 4), entry(21, 4)], { index: 19 }).map((e) => e.index)).toEqual([
      20, 21,
    ]);
    expect(refusal(() => fresh.appendable([entry(21, 4)], { index: 19 }))).toMatch(/gap after last index 19/);
  });

  it('restore takes over consistent bounds and refuses inconsistent ones', () => {
    const { window } = store();
    const ok = { compactIndex: 5, compactTerm: 2, lastIndex: 9, snapshot: { index: 7, term: 2 } };
    window.restore(ok);
    expect([window.firstIndex(), window.lastIndex(), window.snapshotIndex, window.term(5)]).toEqual([
      6, 9, 7, 2,
    ]);
    expect(refusal(() => window.restore({ ...ok, compactIndex: 8 }))).toMatch(
      /log compacted to 8, past the snapshot at 7: entries in between are lost/,
    );
    expect(refusal(() => window.restore({ ...ok, snapshot: null }))).toMatch(
      /compacted to 5, past the snapshot at 0/,
    );
    expect(refusal(() => window.restore({ ...ok, compactIndex: 7, compactTerm: 1 }))).toMatch(
      /compaction point 7 has term 1, the snapshot there has term 2/,
    );
    expect(refusal(() => window.restore({ ...ok, lastIndex: 6 }))).toMatch(
      /the log ends at 6, before the snapshot at 7/,
    );
    expect(refusal(() => window.restore({ ...ok, lastIndex: -1 }))).toMatch(/malformed/);
    expect(
      refusal(() => window.checkCompactionPoint({ compactIndex: -1, compactTerm: 0, snapshot: null })),
    ).toMatch(/malformed/);
    // A refused restore leaves the window as it was.
    expect([window.firstIndex(), window.lastIndex()]).toEqual([6, 9]);
  });

  it('a store raises its own error type with the window message', () => {
    class StoreError extends Error {}
    const window = new LogWindow(
      () => 1,
      (detail) => new StoreError(`store at /x: ${detail}`),
    );
    expect(() => window.compactTo(0)).not.toThrow();
    expect(() => window.recordSnapshot(0)).toThrow(
      new StoreError('store at /x: snapshot at 0 is not newer than 0'),
    );
  });
});
