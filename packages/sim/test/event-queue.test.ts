import { SeededRng } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../src/event-queue.js';

describe('EventQueue', () => {
  it('pops events in time order', () => {
    const q = new EventQueue<string>();
    q.push(30, 'c');
    q.push(10, 'a');
    q.push(20, 'b');
    expect([q.pop()?.event, q.pop()?.event, q.pop()?.event]).toEqual(['a', 'b', 'c']);
    expect(q.pop()).toBeUndefined();
    expect(q.peekTime()).toBe(Number.POSITIVE_INFINITY);
  });

  it('breaks ties between equal times by scheduling order', () => {
    const q = new EventQueue<number>();
    for (let i = 0; i < 100; i++) q.push(5, i);
    q.push(1, -1);
    const out: number[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.event);
    expect(out).toEqual([-1, ...Array.from({ length: 100 }, (_, i) => i)]);
  });

  it('agrees with a stable sort on random input', () => {
    const rng = new SeededRng(7, 'queue-test');
    const q = new EventQueue<number>();
    const items: { time: number; id: number }[] = [];
    for (let id = 0; id < 2000; id++) {
      const time = rng.int(0, 300);
      items.push({ time, id });
      q.push(time, id);
      // Interleave pops to exercise sift-down on a partly drained heap.
      if (rng.chance(0.1)) {
        const popped = q.pop();
        const min = items.reduce((m, x) => (x.time < m.time || (x.time === m.time && x.id < m.id) ? x : m));
        expect(popped?.event).toBe(min.id);
        items.splice(items.indexOf(min), 1);
      }
    }
    const expected = items.sort((a, b) => a.time - b.time || a.id - b.id).map((x) => x.id);
    const out: number[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.event);
    expect(out).toEqual(expected);
  });

  it('rejects times that are not finite or negative', () => {
    const q = new EventQueue<number>();
    expect(() => q.push(Number.NaN, 1)).toThrow(RangeError);
    expect(() => q.push(-1, 1)).toThrow(RangeError);
  });
});

describe('SeededRng', () => {
  it('is a pure function of seed and stream', () => {
    const a = new SeededRng(42, 'network');
    const b = new SeededRng(42, 'network');
    const xs = Array.from({ length: 50 }, () => a.nextUint32());
    expect(Array.from({ length: 50 }, () => b.nextUint32())).toEqual(xs);
  });

  it('gives unrelated sequences to different streams and seeds', () => {
    const seq = (seed: number, stream: string) => {
      const r = new SeededRng(seed, stream);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    expect(seq(1, 'network')).not.toEqual(seq(1, 'disk'));
    expect(seq(1, 'network')).not.toEqual(seq(2, 'network'));
    expect(seq(2 ** 40, 'x')).not.toEqual(seq(2 ** 40 + 2 ** 32, 'x'));
  });

  it('draws integers uniformly within bounds', () => {
    const r = new SeededRng(3, 'uniform');
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(0, 5)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => r.int(3, 2)).toThrow(RangeError);
  });

  it('picks weighted keys in proportion and never a zero weight', () => {
    const r = new SeededRng(5, 'weights');
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 30_000; i++) counts[r.weighted({ a: 1, b: 2, c: 0 })]++;
    expect(counts.c).toBe(0);
    expect(counts.b / counts.a).toBeGreaterThan(1.8);
    expect(counts.b / counts.a).toBeLessThan(2.2);
  });
});
