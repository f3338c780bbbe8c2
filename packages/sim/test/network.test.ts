import { SeededRng } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LINK, NetworkModel } from '../src/network.js';

const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
const reachable = (net: NetworkModel) =>
  ids.flatMap((a) => ids.filter((b) => a !== b && net.canReach(a, b)).map((b) => `${a}>${b}`));

describe('NetworkModel reachability', () => {
  it('starts fully connected', () => {
    const net = new NetworkModel(ids, new SeededRng(1));
    expect(reachable(net)).toHaveLength(20);
  });

  it('partitions into groups that cannot talk across', () => {
    const net = new NetworkModel(ids, new SeededRng(1));
    net.partition([
      ['n1', 'n2', 'n3'],
      ['n4', 'n5'],
    ]);
    expect(net.canReach('n1', 'n3')).toBe(true);
    expect(net.canReach('n4', 'n5')).toBe(true);
    expect(net.canReach('n1', 'n4')).toBe(false);
    expect(net.canReach('n5', 'n2')).toBe(false);
    expect(net.route('n1', 'n4', 0)).toEqual([]);
  });

  it('isolates nodes left out of every group', () => {
    const net = new NetworkModel(ids, new SeededRng(1));
    net.partition([['n1', 'n2']]);
    expect(net.canReach('n3', 'n4')).toBe(false);
    expect(net.canReach('n1', 'n2')).toBe(true);
  });

  it('cuts one direction only', () => {
    const net = new NetworkModel(ids, new SeededRng(1));
    net.cutOneWay('n1', 'n2');
    expect(net.canReach('n1', 'n2')).toBe(false);
    expect(net.canReach('n2', 'n1')).toBe(true);
    expect(reachable(net)).toHaveLength(19);
  });

  it('bridges two sides through one node', () => {
    const net = new NetworkModel(ids, new SeededRng(1));
    net.bridge(['n1', 'n2'], ['n4', 'n5'], 'n3');
    expect(net.canReach('n1', 'n2')).toBe(true);
    expect(net.canReach('n1', 'n3')).toBe(true);
    expect(net.canReach('n3', 'n5')).toBe(true);
    expect(net.canReach('n1', 'n4')).toBe(false);
    expect(net.canReach('n5', 'n2')).toBe(false);
  });

  it('connects a ring only to neighbours', () => {
    const net = new NetworkModel(ids, new SeededRng(1));
    net.ring(['n1', 'n3', 'n5', 'n2', 'n4']);
    expect(net.canReach('n1', 'n3')).toBe(true);
    expect(net.canReach('n4', 'n1')).toBe(true); // wraps around
    expect(net.canReach('n1', 'n5')).toBe(false);
    expect(reachable(net)).toHaveLength(10);
  });

  it('isolates one node both ways', () => {
    const net = new NetworkModel(ids, new SeededRng(1));
    net.isolate('n3');
    expect(net.canReach('n3', 'n1')).toBe(false);
    expect(net.canReach('n1', 'n3')).toBe(false);
    expect(net.canReach('n1', 'n2')).toBe(true);
    expect(reachable(net)).toHaveLength(12);
  });

  it('a new topology replaces the old one, heal clears everything', () => {
    const net = new NetworkModel(ids, new SeededRng(1));
    net.isolate('n1');
    net.cutOneWay('n2', 'n3');
    net.degradeLink('n4', 'n5', { loss: 1 });
    net.partition([ids]);
    expect(net.canReach('n1', 'n2')).toBe(true);
    expect(net.canReach('n2', 'n3')).toBe(false); // one-way cuts stay until heal
    expect(net.isFaulty()).toBe(true);
    net.heal();
    expect(reachable(net)).toHaveLength(20);
    expect(net.isFaulty()).toBe(false);
    expect(net.route('n4', 'n5', 0)).toHaveLength(1);
  });
});

describe('NetworkModel message fate', () => {
  const fates = (seed: number, n: number) => {
    const net = new NetworkModel(ids, new SeededRng(seed, 'network'), {
      ...DEFAULT_LINK,
      loss: 0.1,
      duplicate: 0.1,
      reorder: 0.2,
    });
    return Array.from({ length: n }, (_, i) => net.route('n1', 'n2', i * 100));
  };

  it('is determined by the seed', () => {
    expect(fates(9, 500)).toEqual(fates(9, 500));
    expect(fates(9, 500)).not.toEqual(fates(10, 500));
  });

  it('loses, duplicates and reorders at about the configured rates', () => {
    const out = fates(11, 20_000);
    const lost = out.filter((t) => t.length === 0).length;
    const dup = out.filter((t) => t.length === 2).length;
    expect(lost / out.length).toBeGreaterThan(0.08);
    expect(lost / out.length).toBeLessThan(0.12);
    expect(dup / (out.length - lost)).toBeGreaterThan(0.08);
    expect(dup / (out.length - lost)).toBeLessThan(0.12);
    // Reordering: some message sent later arrives before one sent earlier.
    let overtaken = 0;
    let latest = 0;
    for (const t of out) {
      if (t.length === 0) continue;
      if (t[0] < latest) overtaken++;
      latest = Math.max(latest, t[0]);
    }
    expect(overtaken).toBeGreaterThan(100);
    const early = out.filter((t, i) => t.some((at) => at <= i * 100));
    expect(early).toEqual([]);
  });

  it('a degraded link follows its own profile, others keep the defaults', () => {
    const net = new NetworkModel(ids, new SeededRng(3, 'network'), {
      ...DEFAULT_LINK,
      loss: 0,
      duplicate: 0,
    });
    net.degradeLink('n1', 'n2', { loss: 1 });
    for (let i = 0; i < 100; i++) {
      expect(net.route('n1', 'n2', 0)).toEqual([]);
      expect(net.route('n2', 'n1', 0)).toHaveLength(1);
    }
  });
});
