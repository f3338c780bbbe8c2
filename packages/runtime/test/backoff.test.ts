/**
 * The one retry pacing (runtime client, net's reconnecting links, the admin
 * client): capped exponential backoff with jitter from an injected random
 * source, through the package's public exports.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from '../src/index.js';

const lo = () => 0;
const hi = () => 0.999999;

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap; the jitter takes off at most its fraction', () => {
    expect([0, 1, 2, 3, 4, 5].map((k) => backoffDelay(k, 10, 100, lo))).toEqual([5, 10, 20, 40, 50, 50]);
    expect(backoffDelay(3, 10, 1000, hi)).toBeCloseTo(80, 3);
    expect(backoffDelay(30, 10, 1000, lo)).toBe(500);
    expect(backoffDelay(1e9, 10, 1000, hi)).toBeLessThanOrEqual(1000);
    expect(backoffDelay(2, 10, 1000, lo, 0.25)).toBe(30);
  });

  it('without jitter it is the capped exponential itself and draws nothing', () => {
    const never = () => {
      throw new Error('drew a random number');
    };
    expect([0, 1, 2, 11].map((k) => backoffDelay(k, 2000, 2000 * 1024, never, 0))).toEqual([
      2000,
      4000,
      8000,
      2000 * 1024,
    ]);
  });

  it('property: every delay lies in [base * (1 - jitter), base], base = min(max, initial * 2^k)', () => {
    fc.assert(
      fc.property(
        fc.nat(40),
        fc.double({ min: 0.001, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (k, initial, r, jitter) => {
          const base = Math.min(initial * 64, initial * 2 ** k);
          const d = backoffDelay(k, initial, initial * 64, () => r, jitter);
          expect(d).toBeGreaterThanOrEqual(base * (1 - jitter) - 1e-9);
          expect(d).toBeLessThanOrEqual(base + 1e-9);
        },
      ),
    );
  });
});

describe('Backoff', () => {
  it('counts its failures, reset starts over; a seeded source replays the same delays', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 100, jitter: 0.5 }, lo);
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([5, 10, 20, 40, 50, 50]);
    expect(b.attempts).toBe(6);
    b.reset();
    expect(b.next()).toBe(5);
    const seeded = (seed: number) => {
      let x = seed;
      return () => {
        x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
        return x / 2 ** 32;
      };
    };
    const run = () => {
      const s = new Backoff({}, seeded(7));
      return Array.from({ length: 8 }, () => s.next());
    };
    expect(run()).toEqual(run());
    expect(new Set(run()).size).toBe(8);
  });

  it('defaults: 50 ms doubling to 2 s, half of each delay random', () => {
    const b = new Backoff({}, hi);
    expect([b.initialMs, b.maxMs, b.jitter]).toEqual([50, 2000, 0.5]);
    const delays = Array.from({ length: 8 }, () => b.next());
    expect(delays[0]).toBeCloseTo(50, 3);
    expect(delays[7]).toBeCloseTo(2000, 2);
  });

  it('refuses settings it cannot honour, naming them', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow(/initialMs 0/);
    expect(() => new Backoff({ initialMs: 100, maxMs: 10 })).toThrow(RangeError);
    expect(() => new Backoff({ jitter: 1.5 })).toThrow(/jitter 1.5/);
  });
});
