/** Unit tests of the plain modules behind RaftNode. */
import { MemoryStorage } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { assert } from '../src/assert.js';
import { RaftError } from '../src/errors.js';
import { Inflights, Progress } from '../src/progress.js';
import { quorumActive, quorumValue, voteResult } from '../src/quorum.js';
import { RaftLog } from '../src/raft-log.js';
import { entriesWithTerms, entry } from './helpers/builders.js';

describe('quorum', () => {
  it('quorumValue is the highest value a majority reached', () => {
    const m: Record<string, number> = { a: 5, b: 3, c: 9, d: 1, e: 4 };
    expect(quorumValue(['a', 'b', 'c', 'd', 'e'], (id) => m[id])).toBe(4);
    expect(quorumValue(['a', 'b', 'c'], (id) => m[id])).toBe(5);
    expect(quorumValue(['a'], (id) => m[id])).toBe(5);
  });

  it('voteResult is won / lost / pending', () => {
    const v = (o: Record<string, boolean>) => voteResult(['a', 'b', 'c', 'd'], new Map(Object.entries(o)));
    expect(v({ a: true, b: true, c: true })).toBe('won');
    expect(v({ a: true, b: true })).toBe('pending'); // 2 of 4 is not a majority
    expect(v({ a: false, b: false })).toBe('lost');
    expect(v({ a: true, b: false, c: false })).toBe('lost');
  });

  it('quorumActive counts only voters that pass the test', () => {
    expect(quorumActive(['a', 'b', 'c'], (id) => id !== 'c')).toBe(true);
    expect(quorumActive(['a', 'b', 'c'], (id) => id === 'a')).toBe(false);
  });
});

describe('assert', () => {
  it('throws RaftError SAFETY with the message, built only when the invariant fails', () => {
    let built = 0;
    const lazy = () => {
      built++;
      return 'lazy';
    };
    assert(true, lazy);
    expect(built).toBe(0);
    expect(() => assert(false, lazy)).toThrow(RaftError);
    expect(built).toBe(1);
    expect(() => assert(1 > 2, 'one is not above two')).toThrow(
      expect.objectContaining({ code: 'SAFETY', message: 'one is not above two' }),
    );
  });

  it('Progress states match < next after every acknowledgement', () => {
    const p = new Progress('x', 10, 4, false, 0);
    p.match = 20; // what no path through Progress can do: a corrupted view
    expect(() => p.maybeUpdate(5)).toThrow(/x: match 20 not below next 11/);
  });
});

describe('Progress and Inflights', () => {
  it('Inflights is a bounded FIFO freed by acknowledgement', () => {
    const f = new Inflights(3);
    f.add(2);
    f.add(5);
    f.add(9);
    expect(f.full()).toBe(true);
    f.freeLE(5);
    expect(f.count).toBe(1);
    f.add(12);
    f.freeFirstOne();
    expect(f.count).toBe(1);
  });

  it('maybeDecrTo ignores stale rejections and backtracks with the hint', () => {
    const p = new Progress('x', 10, 4, false, 0);
    expect(p.next).toBe(11);
    expect(p.maybeDecrTo(5, 3)).toBe(false); // not the probe in flight
    expect(p.maybeDecrTo(10, 3)).toBe(true);
    expect(p.next).toBe(4);
    p.maybeUpdate(3);
    p.becomeReplicate();
    expect(p.maybeDecrTo(2, 0)).toBe(false); // below match: stale
  });

  it('replicate state pipelines optimistically; probe pauses after one message', () => {
    const p = new Progress('x', 0, 2, false, 0);
    p.sentEntries(3, 3);
    expect(p.isPaused()).toBe(true);
    p.maybeUpdate(3);
    p.becomeReplicate();
    p.sentEntries(2, 5);
    expect(p.next).toBe(6);
    p.sentEntries(1, 6);
    expect(p.isPaused()).toBe(true);
  });
});

describe('RaftLog', () => {
  function log(terms: number[]) {
    return new RaftLog(new MemoryStorage({ entries: entriesWithTerms(terms) }));
  }

  it('findConflictByTerm returns the last index whose term is <= the given term', () => {
    const l = log([1, 1, 3, 3, 5]);
    expect(l.findConflictByTerm(5, 4)).toEqual([4, 3]);
    expect(l.findConflictByTerm(5, 2)).toEqual([2, 1]);
    expect(l.findConflictByTerm(5, 0)).toEqual([0, 0]);
    expect(l.findConflictByTerm(9, 9)).toEqual([5, 5]);
  });

  it('appending over stable entries replaces them and hands the new tail to the host', () => {
    const l = log([1, 1, 1]);
    l.append([entry(2, 2)]);
    expect(l.lastIndex()).toBe(2);
    expect(l.term(2)).toBe(2);
    expect(l.takeEntriesToPersist()).toEqual([entry(2, 2)]);
    expect(l.slice(1, 3).map((e) => e.term)).toEqual([1, 2]);
  });

  it('stableTo ignores an acknowledgement for an entry replaced meanwhile', () => {
    const l = log([]);
    l.append([entry(1, 1), entry(2, 1)]);
    l.takeEntriesToPersist();
    l.append([entry(2, 2)]);
    l.stableTo(2, 1);
    expect(l.hasEntriesToPersist()).toBe(true);
    expect(l.takeEntriesToPersist()).toEqual([entry(2, 2)]);
    l.stableTo(2, 2);
    expect(l.hasEntriesToPersist()).toBe(false);
  });

  it('refuses to truncate or move past committed entries', () => {
    const l = log([1, 1, 1]);
    l.commitTo(2);
    expect(() => l.append([entry(2, 2)])).toThrow(/committed/);
    expect(() => l.commitTo(9)).toThrow(/beyond/);
  });
});
