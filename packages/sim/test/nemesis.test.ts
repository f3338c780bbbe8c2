import type { NodeId } from '@raftkit/core';
import { SeededRng } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../src/event-queue.js';
import {
  type CrashPoint,
  type FaultTarget,
  Nemesis,
  type NemesisProfile,
  type NemesisProfileName,
  PROFILES,
} from '../src/nemesis/index.js';
import { NetworkModel } from '../src/network.js';

const TICK = 10_000;

/** A cluster stand-in that records what the nemesis does to it. */
class FakeCluster implements FaultTarget {
  readonly tickUs = TICK;
  readonly network: NetworkModel;
  readonly log_: string[] = [];
  readonly down = new Set<NodeId>();
  readonly paused = new Set<NodeId>();
  readonly rates = new Map<NodeId, number>();
  readonly armed = new Map<NodeId, CrashPoint>();
  maxDownOrPaused = 0;
  private readonly q = new EventQueue<() => void>();
  private t = 0;

  constructor(readonly ids: NodeId[]) {
    this.network = new NetworkModel(ids, new SeededRng(1, 'net'));
  }
  get now() {
    return this.t;
  }
  nodeIds() {
    return this.ids;
  }
  isUp(id: NodeId) {
    return !this.down.has(id);
  }
  isPaused(id: NodeId) {
    return this.paused.has(id);
  }
  leader() {
    return this.ids.find((id) => this.isUp(id) && !this.isPaused(id)) ?? null;
  }
  private track() {
    this.maxDownOrPaused = Math.max(this.maxDownOrPaused, new Set([...this.down, ...this.paused]).size);
  }
  crash(id: NodeId) {
    this.down.add(id);
    this.paused.delete(id);
    this.track();
  }
  restart(id: NodeId) {
    this.down.delete(id);
  }
  pause(id: NodeId) {
    this.paused.add(id);
    this.track();
  }
  resume(id: NodeId) {
    this.paused.delete(id);
  }
  setClockRate(id: NodeId, rate: number) {
    this.rates.set(id, rate);
  }
  armCrash(id: NodeId, point: CrashPoint) {
    this.armed.set(id, point);
  }
  disarmAll() {
    this.armed.clear();
  }
  writesPaused() {
    return false;
  }
  campaign(id: NodeId) {
    this.log_.push(`campaign ${id}`);
  }
  transferLeadership(from: NodeId, to: NodeId) {
    this.log_.push(`transfer ${from}->${to}`);
  }
  at(time: number, fn: () => void) {
    this.q.push(Math.max(time, this.t), fn);
  }
  log(text: string) {
    this.log_.push(`${this.t} ${text}`);
  }
  voters() {
    return this.ids;
  }
  snapshotNow(id: NodeId) {
    this.log_.push(`snapshot ${id}`);
  }
  logBounds() {
    return { first: 1, last: 0 };
  }
  runAll() {
    for (let e = this.q.pop(); e !== undefined; e = this.q.pop()) {
      this.t = e.time;
      e.event();
    }
  }
}

function run(profile: NemesisProfileName | NemesisProfile, seed: number, n = 5) {
  const cluster = new FakeCluster(Array.from({ length: n }, (_, i) => `n${i + 1}`));
  const p = typeof profile === 'string' ? PROFILES[profile] : profile;
  const nemesis = new Nemesis(cluster, p, new SeededRng(seed, 'nemesis'), {
    startAt: 30 * TICK,
    healAt: 800 * TICK,
    clockRateRange: [0.9, 1.1],
    electionTicks: 10,
  });
  nemesis.start();
  cluster.runAll();
  return { cluster, injected: nemesis.injected() };
}

describe('Nemesis', () => {
  it('injects only the faults of its profile', () => {
    for (const profile of ['partitions', 'crashes', 'clock', 'mixed'] as const) {
      const { injected } = run(profile, 1);
      const allowed = Object.keys(PROFILES[profile].weights);
      expect(Object.keys(injected).length).toBeGreaterThan(1);
      for (const kind of Object.keys(injected)) expect(allowed).toContain(kind);
    }
  });

  it('heals every fault before the quiet period', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { cluster } = run('mixed', seed);
      expect(cluster.down.size).toBe(0);
      expect(cluster.paused.size).toBe(0);
      expect(cluster.armed.size).toBe(0);
      expect(cluster.network.isFaulty()).toBe(false);
      expect([...cluster.rates.values()].every((r) => r === 1)).toBe(true);
      expect(cluster.log_.at(-1)).toMatch(/heal all$/);
      const afterHeal = cluster.log_.filter((l) => Number(l.split(' ')[0]) > 800 * TICK);
      expect(afterHeal).toEqual([]);
    }
  });

  it('apart from a power failure, never takes a majority of nodes down or paused', () => {
    const noPowerFailure = { ...PROFILES.crashes, weights: { ...PROFILES.crashes.weights, crashAll: 0 } };
    for (let seed = 1; seed <= 20; seed++) {
      expect(run(noPowerFailure, seed).cluster.maxDownOrPaused).toBeLessThanOrEqual(2);
      expect(run(noPowerFailure, seed, 3).cluster.maxDownOrPaused).toBeLessThanOrEqual(1);
    }
  });

  it('a power failure takes every node down, and every node comes back', () => {
    const powerOnly: NemesisProfile = { ...PROFILES.crashes, weights: { crashAll: 1 } };
    const { cluster, injected } = run(powerOnly, 3);
    expect(injected.crashAll).toBeGreaterThan(0);
    expect(cluster.maxDownOrPaused).toBe(5);
    expect(cluster.down.size).toBe(0);
  });

  it('keeps clock rates within the configured range', () => {
    const { cluster } = run('clock', 4);
    const set = cluster.log_.filter((l) => l.includes('nemesis clock')).map((l) => Number(l.split('x')[1]));
    expect(set.length).toBeGreaterThan(3);
    for (const r of set) {
      expect(r).toBeGreaterThanOrEqual(0.9);
      expect(r).toBeLessThanOrEqual(1.1);
    }
  });

  it('is determined by its seed', () => {
    expect(run('mixed', 7).cluster.log_).toEqual(run('mixed', 7).cluster.log_);
    expect(run('mixed', 7).cluster.log_).not.toEqual(run('mixed', 8).cluster.log_);
  });

  it('the none profile injects nothing', () => {
    const { injected, cluster } = run('none', 1);
    expect(injected).toEqual({});
    expect(cluster.log_).toEqual([`${800 * TICK} nemesis heal all`]);
  });
});
