import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterSecret, decodeProbe, encodeProbe, ProbeError } from '../src/index.js';
import { PingPacer } from '../src/links/ping-pacer.js';
import { probePeriod, UdpProber } from '../src/liveness/udp-prober.js';
import { waitFor } from './support/wait.js';

// RttEstimator and PeerHealth are @raftkit/core's (net re-exports them); they are tested in
// packages/core/test/failure-detector.test.ts; Backoff is @raftkit/runtime's (runtime/test/backoff.test.ts).
// Here: what is net's own.

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

describe('PingPacer', () => {
  it('pings every interval on a quiet link and every 4th while Raft frames arrive', () => {
    const pacer = new PingPacer();
    expect([pacer.tick(), pacer.tick(), pacer.tick()]).toEqual([true, true, true]);
    const busy: boolean[] = [];
    for (let i = 0; i < 8; i++) {
      pacer.raftFrame();
      busy.push(pacer.tick());
    }
    expect(busy).toEqual([false, false, false, true, false, false, false, true]);
    // Raft traffic stops: the next interval pings again.
    pacer.raftFrame();
    expect(pacer.tick()).toBe(false);
    expect(pacer.tick()).toBe(true);
    expect(pacer.tick()).toBe(true);
  });
});

describe('UDP probe period', () => {
  const healthy = { acked: 3, outstanding: { size: 0 } };
  it('slows down only while every peer answered every probe', () => {
    expect(probePeriod([], 250, 500)).toBe(250);
    expect(probePeriod([healthy, healthy], 250, 500)).toBe(500);
    expect(probePeriod([healthy, { acked: 0, outstanding: { size: 0 } }], 250, 500)).toBe(250);
    expect(probePeriod([healthy, { acked: 9, outstanding: { size: 1 } }], 250, 500)).toBe(250);
  });

  it('two probers on loopback: the healthy period once answered, the base one when a peer stops answering', async () => {
    const key = ClusterSecret.from('probe-secret-0123456789').probeKey;
    const make = (selfId: string) =>
      new UdpProber({
        selfId,
        clusterId: 'c1',
        key,
        host: '127.0.0.1',
        port: 0,
        intervalMs: 20,
        healthyIntervalMs: 60,
        lossAfterMs: 5000,
        onAck: () => {},
        onRejected: () => {},
      });
    const a = make('a');
    const b = make('b');
    try {
      const [pa, pb] = [await a.start(), await b.start()];
      a.setPeer('b', '127.0.0.1', pb);
      b.setPeer('a', '127.0.0.1', pa);
      await waitFor(() => (a.counters('b')?.acked ?? 0) >= 2 && a.nextIntervalMs() === 60, {
        timeoutMs: 10_000,
        what: 'a to hear from b and slow down',
      });
      // Probes actually go out at the healthy period: in 1.2 s at most 1200 / 60 + 2 of them
      // (at the base period of 20 ms it would be about 60; a late timer only sends fewer).
      const sent = a.counters('b')?.sent ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect((a.counters('b')?.sent ?? 0) - sent).toBeLessThanOrEqual(22);
      await b.close(); // b stops answering: a's next probe stays unanswered
      await waitFor(() => a.nextIntervalMs() === 20, {
        timeoutMs: 10_000,
        what: 'a to probe at the base period again',
      });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
