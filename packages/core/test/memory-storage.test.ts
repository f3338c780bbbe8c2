import { CompactedError, MemoryStorage, RaftError, UnavailableError } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { entriesWithTerms, entry } from './helpers/builders.js';

describe('MemoryStorage', () => {
  it('holds entries [firstIndex, lastIndex] with their terms; term(0) is 0', () => {
    const s = new MemoryStorage({ entries: entriesWithTerms([1, 1, 2]) });
    expect([s.firstIndex(), s.lastIndex()]).toEqual([1, 3]);
    expect([s.term(0), s.term(1), s.term(3)]).toEqual([0, 1, 2]);
    expect(s.entries(1, 4).map((e) => e.index)).toEqual([1, 2, 3]);
  });

  it('append truncates a conflicting suffix', () => {
    const s = new MemoryStorage({ entries: entriesWithTerms([1, 1, 1]) });
    s.append([entry(2, 2), entry(3, 2), entry(4, 2)]);
    expect(s.allEntries().map((e) => e.term)).toEqual([1, 2, 2, 2]);
  });

  it('entries() honours maxBytes but returns at least one entry', () => {
    const s = new MemoryStorage({ entries: [entry(1, 1, 'aaaa'), entry(2, 1, 'bbbb'), entry(3, 1, 'cccc')] });
    expect(s.entries(1, 4, 8)).toHaveLength(2);
    expect(s.entries(1, 4, 1)).toHaveLength(1);
  });

  it('out-of-range reads throw CompactedError / UnavailableError', () => {
    const s = new MemoryStorage({ entries: entriesWithTerms([1, 1, 1, 1]) });
    s.createSnapshot(2, { voters: ['a'], learners: [] }, new Uint8Array());
    s.compact(2);
    expect(s.firstIndex()).toBe(3);
    expect(s.term(2)).toBe(1); // the compaction point keeps its term
    expect(() => s.term(1)).toThrow(CompactedError);
    expect(() => s.entries(2, 4)).toThrow(CompactedError);
    expect(() => s.term(5)).toThrow(UnavailableError);
    expect(() => s.entries(3, 6)).toThrow(UnavailableError);
  });

  it('an append that would leave a gap is refused with a typed error', () => {
    const s = new MemoryStorage({ entries: entriesWithTerms([1]) });
    expect(() => s.append([entry(3, 1)])).toThrow(RaftError);
    expect(s.lastIndex()).toBe(1);
  });

  it('crashAndRecover keeps only what was synced: unsynced appends are lost', () => {
    const s = new MemoryStorage();
    s.append(entriesWithTerms([1, 1]));
    s.setHardState({ term: 1, vote: 'a', commit: 1 });
    s.sync();
    s.append([entry(3, 1)]);
    s.setHardState({ term: 2, vote: 'b', commit: 1 });
    expect(s.hasUnsyncedWrites()).toBe(true);
    const r = s.crashAndRecover();
    expect(r.lastIndex()).toBe(2);
    expect(r.initialState().hardState).toEqual({ term: 1, vote: 'a', commit: 1 });
    expect(r.hasUnsyncedWrites()).toBe(false);
  });

  it('crashAndRecover restores a synced suffix that an unsynced append truncated', () => {
    const s = new MemoryStorage({ entries: entriesWithTerms([1, 1, 1]) });
    s.append([entry(2, 5)]);
    s.append([entry(3, 5), entry(4, 5)]);
    const r = s.crashAndRecover();
    expect(r.allEntries().map((e) => e.term)).toEqual([1, 1, 1]);
  });

  it('crashAndRecover undoes an unsynced snapshot install and compaction', () => {
    const s = new MemoryStorage({ entries: entriesWithTerms([1, 1, 2]) });
    s.applySnapshot({
      meta: { index: 10, term: 3, conf: { voters: ['a'], learners: [] } },
      data: new Uint8Array([1]),
    });
    expect(s.firstIndex()).toBe(11);
    const r = s.crashAndRecover();
    expect([r.firstIndex(), r.lastIndex()]).toEqual([1, 3]);
    expect(r.snapshot()).toBeNull();
    s.sync();
    s.compact(10);
    const r2 = s.crashAndRecover();
    expect(r2.snapshot()?.meta.index).toBe(10);
  });

  it('createSnapshot records a snapshot at an applied index and reports its term and membership', () => {
    const s = new MemoryStorage({ entries: entriesWithTerms([1, 2, 2]) });
    const snap = s.createSnapshot(2, { voters: ['a', 'b'], learners: [] }, new Uint8Array([7]));
    expect(snap.meta).toEqual({ index: 2, term: 2, conf: { voters: ['a', 'b'], learners: [] } });
    s.compact(2);
    expect(s.initialState().confState).toEqual({ voters: ['a', 'b'], learners: [] });
    expect(() => s.createSnapshot(2, { voters: ['a'], learners: [] }, new Uint8Array())).toThrow(RaftError);
  });

  it('sync is cheap bookkeeping: thousands of append+sync cycles on a long log stay fast', () => {
    const s = new MemoryStorage();
    const t0 = performance.now();
    for (let i = 1; i <= 20_000; i++) {
      s.append([entry(i, 1)]);
      s.sync();
    }
    expect(s.lastIndex()).toBe(20_000);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
