/**
 * Failure detection: the pure RttEstimator / PeerHealth (the shared copies of
 * @raftkit/net's, same behaviour), the tick-based FailureDetector, and what
 * RaftNode reports in status().liveness.
 */
import {
  classifyContact,
  combineHealth,
  contactState,
  FailureDetector,
  PeerHealth,
  RttEstimator,
} from '@raftkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cluster } from './helpers/cluster.js';
import { DelayNetwork } from './helpers/delay-network.js';

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

  it('computes a trimmed mean that ignores outliers, and the deviation of the kept samples', () => {
    const e = new RttEstimator({ windowSize: 10, trimFraction: 0.1 });
    for (const s of [10, 10, 10, 10, 10, 12, 12, 12, 12, 1000]) e.addSample(s);
    const s = e.stats()!;
    expect(s.mean).toBeCloseTo((10 * 4 + 12 * 4) / 8, 10);
    expect(s.deviation).toBeCloseTo(1, 10);
    expect(s).toMatchObject({ min: 10, max: 1000, last: 1000, count: 10 });
  });

  it('keeps only the last windowSize samples (a sliding window)', () => {
    const e = new RttEstimator({ windowSize: 4, trimFraction: 0 });
    for (const s of [100, 100, 100, 100, 1, 2, 3, 4]) e.addSample(s);
    expect(e.stats()).toMatchObject({ count: 4, mean: 2.5, min: 1, max: 4 });
    e.reset();
    expect(e.stats()).toBeNull();
  });

  it('bound() is mean + k * deviation, clamped', () => {
    const e = new RttEstimator({ windowSize: 4, trimFraction: 0 });
    for (const s of [8, 12, 8, 12]) e.addSample(s); // mean 10, deviation 2
    expect(e.bound(3, { minMs: 1, maxMs: 100 })).toBeCloseTo(16);
    expect(e.bound(3, { minMs: 20, maxMs: 100 })).toBe(20);
    expect(e.bound(100, { minMs: 1, maxMs: 50 })).toBe(50);
  });

  it('property: the mean lies within [min, max] and the deviation is >= 0', () => {
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

describe('PeerHealth', () => {
  const opts = { suspectAfterMs: 100, downAfterMs: 300 };

  it('is down before any contact, healthy only when both channels are fresh', () => {
    expect(new PeerHealth(opts).evaluate(0).health).toBe('down');
    const h = new PeerHealth(opts);
    h.tcpUp(0);
    expect(h.evaluate(10).health).toBe('suspect');
    h.udpContact(20, 1.5);
    expect(h.evaluate(30).health).toBe('healthy');
    expect(h.evaluate(30).udp?.rtt?.mean).toBe(1.5);
  });

  it('becomes suspect when a channel goes quiet, down when all are dead; a closed link is never fresh', () => {
    const h = new PeerHealth(opts);
    h.tcpUp(0);
    h.udpContact(0, 1);
    h.tcpContact(150);
    expect(h.evaluate(160)).toMatchObject({ health: 'suspect', udp: { state: 'stale' } });
    h.udpContact(170, 1);
    expect(h.evaluate(175).health).toBe('healthy');
    expect(h.evaluate(1000).health).toBe('down');
    h.tcpDown();
    expect(h.evaluate(175)).toMatchObject({ health: 'suspect', tcp: { state: 'stale', connected: false } });
  });

  it('with one channel, it alone decides; combineHealth / contactState truth tables', () => {
    const h = new PeerHealth({ ...opts, udp: false });
    h.tcpUp(0);
    expect([h.evaluate(50).health, h.evaluate(200).health, h.evaluate(400).health]).toEqual([
      'healthy',
      'suspect',
      'down',
    ]);
    expect(combineHealth(['fresh', 'fresh'])).toBe('healthy');
    expect(combineHealth(['fresh', 'dead'])).toBe('suspect');
    expect(combineHealth(['dead', 'dead'])).toBe('down');
    expect(contactState(null, 5, 1, 2)).toBe('dead');
    expect(contactState(5, 5, 1, 2, false)).toBe('stale');
    expect([classifyContact(0, 1, 2, 5), classifyContact(0, 3, 2, 5), classifyContact(0, 6, 2, 5)]).toEqual([
      'healthy',
      'suspect',
      'down',
    ]);
    expect(classifyContact(null, 0, 2, 5)).toBe('down');
  });
});

describe('FailureDetector (ticks)', () => {
  it('leader side: a round trip is sampled once per peer and round, from the round send tick', () => {
    const d = new FailureDetector();
    d.roundSent(1, 10);
    d.roundSent(2, 11);
    expect(d.roundAcked('b', 1, 13)).toBe(3);
    expect(d.roundAcked('b', 1, 14)).toBeNull(); // duplicate
    expect(d.roundAcked('b', 2, 12)).toBe(1);
    expect(d.roundAcked('b', 1, 20)).toBeNull(); // older than one already sampled
    expect(d.roundAcked('c', 9, 20)).toBeNull(); // never sent
    expect(d.roundTripStats('b')).toMatchObject({ count: 2, min: 1, max: 3 });
    d.startRounds(); // a new term: round numbers start over
    d.roundSent(1, 30);
    expect(d.roundAcked('b', 1, 32)).toBe(2);
  });

  it('follower side: heartbeat inter-arrival of one leader in one term; several in a tick count once', () => {
    const d = new FailureDetector();
    expect(d.leaderHeartbeat('a', 1, 5)).toBeNull(); // first: nothing to measure from
    expect(d.leaderHeartbeat('a', 1, 5)).toBeNull(); // same tick
    expect(d.leaderHeartbeat('a', 1, 7)).toBe(2);
    expect(d.leaderHeartbeat('b', 2, 30)).toBeNull(); // a new leader: the election gap is no sample
    expect(d.leaderHeartbeat('b', 2, 31)).toBe(1);
    expect(d.interArrivalStats()).toMatchObject({ count: 2, min: 1, max: 2 });
  });
});

describe('status().liveness', () => {
  it('the leader measures round trips per follower; a follower measures its leader; silence turns suspect, then down', () => {
    const c = new Cluster(['a', 'b', 'c'], { config: { electionTicks: 10, heartbeatTicks: 1 } });
    const net = new DelayNetwork(c, () => 2); // 2 ticks each way
    c.elect('a');
    net.ticks(40);
    const leader = c.raft('a').status().liveness;
    expect(leader.map((l) => [l.id, l.samples, l.health])).toEqual([
      ['b', 'roundTrip', 'healthy'],
      ['c', 'roundTrip', 'healthy'],
    ]);
    expect(leader[0].rtt).toMatchObject({ mean: 4, deviation: 0 });
    expect(leader[0].lastContactTick).toBe(c.raft('a').status().tick);
    const follower = c.raft('b').status().liveness;
    expect(follower).toHaveLength(1);
    expect(follower[0]).toMatchObject({
      id: 'a',
      samples: 'interArrival',
      health: 'healthy',
      rtt: { mean: 1 },
    });

    c.isolate('c');
    // Expected gap for c: heartbeat interval + round-trip bound = 1 + 4; then down after electionTicks.
    net.ticks(6);
    expect(c.raft('a').status().liveness[1].health).toBe('suspect');
    net.ticks(6);
    expect(c.raft('a').status().liveness[1].health).toBe('down');
    expect(c.raft('a').status().liveness[0].health).toBe('healthy');
  });
});
