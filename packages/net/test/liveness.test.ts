import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Backoff,
  ClusterSecret,
  combineHealth,
  decodeProbe,
  encodeProbe,
  PeerHealth,
  ProbeError,
  RttEstimator,
} from '../src/index.js';

describe('RttEstimator', () => {
  it('is empty before the first sample and ignores invalid samples', () => {
    const e = new RttEstimator();
    expect(e.stats()).toBeNull();
    expect(e.addSample(-1)).toBe(false);
    expect(e.addSample(Number.NaN)).toBe(false);
    expect(e.addSample(Number.POSITIVE_INFINITY)).toBe(false);
    expect(e.stats()).toBeNull();
    expect(e.bound(4, { minMs: 10, maxMs: 100, fallbackMs: 50 })).toBe(50);
  });

  it('computes a trimmed mean that ignores outliers, and the deviation of kept samples', () => {
    const e = new RttEstimator({ windowSize: 10, trimFraction: 0.1 });
    for (const s of [10, 10, 10, 10, 10, 12, 12, 12, 12, 1000]) e.addSample(s);
    const s = e.stats()!;
    // 1 trimmed from each end: the 1000 ms stall and one 10.
    expect(s.mean).toBeCloseTo((10 * 4 + 12 * 4) / 8, 10);
    expect(s.deviation).toBeCloseTo(1, 10);
    expect(s.min).toBe(10);
    expect(s.max).toBe(1000);
    expect(s.last).toBe(1000);
    expect(s.count).toBe(10);
  });

  it('keeps only the last windowSize samples', () => {
    const e = new RttEstimator({ windowSize: 4, trimFraction: 0 });
    for (const s of [100, 100, 100, 100, 1, 2, 3, 4]) e.addSample(s);
    expect(e.stats()).toMatchObject({ count: 4, mean: 2.5, min: 1, max: 4 });
  });

  it('bound() is mean + k * deviation, clamped', () => {
    const e = new RttEstimator({ windowSize: 4, trimFraction: 0 });
    for (const s of [8, 12, 8, 12]) e.addSample(s); // mean 10, deviation 2
    expect(e.bound(3, { minMs: 1, maxMs: 100 })).toBeCloseTo(16);
    expect(e.bound(3, { minMs: 20, maxMs: 100 })).toBe(20);
    expect(e.bound(100, { minMs: 1, maxMs: 50 })).toBe(50);
  });

  it('property: mean lies within [min, max] and deviation >= 0', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 100 }),
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: 0, max: 0.49, noNaN: true }),
        (samples, windowSize, trimFraction) => {
          const e = new RttEstimator({ windowSize, trimFraction });
          for (const s of samples) e.addSample(s);
          const st = e.stats()!;
          expect(st.count).toBe(Math.min(windowSize, samples.length));
          expect(st.mean).toBeGreaterThanOrEqual(st.min - 1e-6);
          expect(st.mean).toBeLessThanOrEqual(st.max + 1e-6);
          expect(st.deviation).toBeGreaterThanOrEqual(0);
          expect(st.last).toBe(samples[samples.length - 1]);
        },
      ),
    );
  });

  it('rejects bad options', () => {
    expect(() => new RttEstimator({ windowSize: 0 })).toThrow(RangeError);
    expect(() => new RttEstimator({ trimFraction: 0.5 })).toThrow(RangeError);
  });
});

describe('PeerHealth (dual-channel)', () => {
  const opts = { suspectAfterMs: 100, downAfterMs: 300 };

  it('is down before any contact', () => {
    expect(new PeerHealth(opts).evaluate(0).health).toBe('down');
  });

  it('is healthy only when both channels are fresh', () => {
    const h = new PeerHealth(opts);
    h.tcpUp(0);
    expect(h.evaluate(10).health).toBe('suspect'); // UDP never answered
    h.udpContact(20, 1.5);
    expect(h.evaluate(30).health).toBe('healthy');
    expect(h.evaluate(30).udp?.rtt?.mean).toBe(1.5);
  });

  it('becomes suspect when one channel goes quiet, down when both are dead', () => {
    const h = new PeerHealth(opts);
    h.tcpUp(0);
    h.udpContact(0, 1);
    h.tcpContact(150);
    expect(h.evaluate(160).health).toBe('suspect'); // UDP stale (160 > 100)
    expect(h.evaluate(160).udp?.state).toBe('stale');
    h.udpContact(170, 1);
    expect(h.evaluate(175).health).toBe('healthy');
    expect(h.evaluate(1000).health).toBe('down');
  });

  it('a closed TCP link is never fresh, even with recent contact', () => {
    const h = new PeerHealth(opts);
    h.tcpUp(0);
    h.udpContact(0, 1);
    h.tcpDown();
    expect(h.evaluate(1)).toMatchObject({ health: 'suspect', tcp: { state: 'stale', connected: false } });
  });

  it('with UDP disabled, TCP alone decides', () => {
    const h = new PeerHealth({ ...opts, udp: false });
    h.tcpUp(0);
    expect(h.evaluate(50).health).toBe('healthy');
    expect(h.evaluate(50).udp).toBeNull();
    expect(h.evaluate(200).health).toBe('suspect');
    expect(h.evaluate(400).health).toBe('down');
  });

  it('combineHealth truth table', () => {
    expect(combineHealth(['fresh', 'fresh'])).toBe('healthy');
    expect(combineHealth(['fresh', 'stale'])).toBe('suspect');
    expect(combineHealth(['fresh', 'dead'])).toBe('suspect');
    expect(combineHealth(['dead', 'stale'])).toBe('suspect');
    expect(combineHealth(['dead', 'dead'])).toBe('down');
  });
});

describe('Backoff', () => {
  it('grows exponentially up to the cap, jitter only shortens, reset starts over', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 100, jitter: 0.5 }, () => 0);
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([10, 20, 40, 80, 100, 100]);
    b.reset();
    expect(b.next()).toBe(10);
    const j = new Backoff({ initialMs: 10, maxMs: 100, jitter: 0.5 }, () => 0.999);
    for (let i = 0; i < 10; i++) {
      const d = j.next();
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThanOrEqual(100);
    }
    expect(j.next()).toBeCloseTo(50.05, 1);
  });

  it('property: every delay is within [base * (1 - jitter), base] and never above the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 0.9999, noNaN: true }), { maxLength: 40 }), (randoms) => {
        let i = 0;
        const b = new Backoff(
          { initialMs: 5, maxMs: 1000, jitter: 0.3 },
          () => randoms[i++ % randoms.length] ?? 0,
        );
        for (let n = 0; n < randoms.length; n++) {
          const base = Math.min(1000, 5 * 2 ** n);
          const d = b.next();
          expect(d).toBeGreaterThanOrEqual(base * 0.7 - 1e-9);
          expect(d).toBeLessThanOrEqual(base);
        }
      }),
    );
  });
});

describe('probe packets', () => {
  const secret = ClusterSecret.from('probe-secret-0123456789');
  const key = secret.probeKey;
  const epoch = Buffer.alloc(8, 9);

  it('round-trips and binds the cluster id and the key', () => {
    const p = encodeProbe({ type: 'ping', epoch, seq: 4294967295, from: 'n1', to: 'n2' }, key, 'c1');
    expect(decodeProbe(p, key, 'c1')).toMatchObject({ type: 'ping', seq: 4294967295, from: 'n1', to: 'n2' });
    expect(() => decodeProbe(p, key, 'c2')).toThrow(expect.objectContaining({ reason: 'badProbeMac' }));
    const other = ClusterSecret.from('another-secret-0123456789').probeKey;
    expect(() => decodeProbe(p, other, 'c1')).toThrow(expect.objectContaining({ reason: 'badProbeMac' }));
    // The handshake key never verifies a probe.
    expect(() => decodeProbe(p, secret.handshakeKey, 'c1')).toThrow(ProbeError);
  });

  it('property: any single-byte mutation is rejected, never misread', () => {
    const p = encodeProbe({ type: 'pong', epoch, seq: 7, from: 'node-a', to: 'node-b' }, key, 'c');
    fc.assert(
      fc.property(fc.nat(p.length - 1), fc.integer({ min: 1, max: 255 }), (pos, xor) => {
        const m = Buffer.from(p);
        m[pos] ^= xor;
        expect(() => decodeProbe(m, key, 'c')).toThrow(ProbeError);
      }),
    );
  });

  it('property: random datagrams are rejected with a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
        expect(() => decodeProbe(bytes, key, 'c')).toThrow(ProbeError);
      }),
    );
  });
});
