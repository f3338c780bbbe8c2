/**
 * SplitBrainMonitor and checkpoints: hosts observe each node at every
 * checkpoint (applied index a multiple of K, hash right after applying it);
 * a divergence is alerted within one checkpoint interval, and
 * verification() judges every node, never failing open.
 */
import { type NodeId, type NodeObservation, SplitBrainMonitor } from '@raftkit/core';
import { describe, expect, it } from 'vitest';

const K = 100;

function obs(node: NodeId, at: number, appliedIndex: number, stateHash: string): NodeObservation {
  return {
    node,
    at,
    role: node === 'a' ? 'leader' : 'follower',
    term: 1,
    leader: 'a',
    commitIndex: appliedIndex,
    appliedIndex,
    stateHash,
    leaseUntil: null,
  };
}

const states = (m: SplitBrainMonitor) => Object.fromEntries(m.verification().map((v) => [v.node, v.state]));

describe('SplitBrainMonitor checkpoint verification', () => {
  it('alerts a divergence at the first checkpoint after the fault, naming the minority node', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 10, checkpointInterval: K });
    for (const n of ['a', 'b', 'c']) m.observe(obs(n, 1, K, 'h1'));
    expect(states(m)).toEqual({ a: 'ok', b: 'ok', c: 'ok' });
    // c's state is corrupted after index 100: its hash at 200 differs.
    expect(m.observe(obs('a', 2, 2 * K, 'h2'))).toEqual([]);
    expect(m.observe(obs('b', 2, 2 * K, 'h2'))).toEqual([]);
    const [alert] = m.observe(obs('c', 2, 2 * K, 'bad'));
    expect(alert).toMatchObject({ kind: 'divergence', severity: 'safety', index: 2 * K, minority: ['c'] });
    expect(alert.nodes).toContain('c');
    expect(alert.hashes).toEqual({ a: 'h2', b: 'h2', c: 'bad' });
    expect(states(m)).toEqual({ a: 'ok', b: 'ok', c: 'diverged' });
    expect(m.verification().find((v) => v.node === 'c')).toMatchObject({
      divergedIndex: 2 * K,
      agreedIndex: K,
    });
  });

  it('when the minority node reports first, verification still settles on it once the majority is known', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 10, checkpointInterval: K });
    m.observe(obs('a', 1, K, 'good'));
    const [alert] = m.observe(obs('c', 1, K, 'bad'));
    expect(alert.kind).toBe('divergence');
    expect(alert.minority).toBeUndefined(); // one against one: nobody can tell yet
    expect(states(m)).toEqual({ a: 'diverged', c: 'diverged' }); // never ok while disputed
    m.observe(obs('b', 1, K, 'good'));
    expect(states(m)).toEqual({ a: 'ok', b: 'ok', c: 'diverged' });
  });

  it('a diverged node stays diverged until a later checkpoint agrees again (repaired)', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 10, checkpointInterval: K });
    for (const [n, h] of [
      ['a', 'x'],
      ['b', 'x'],
      ['c', 'y'],
    ])
      m.observe(obs(n, 1, K, h));
    m.observe(obs('c', 2, 2 * K, 'y2')); // ahead of the others: nothing to compare yet
    expect(states(m).c).toBe('diverged');
    m.observe(obs('a', 3, 2 * K, 'x2'));
    m.observe(obs('b', 3, 2 * K, 'x2'));
    m.observe(obs('a', 4, 3 * K, 'x3'));
    m.observe(obs('c', 4, 3 * K, 'x3'));
    expect(states(m).c).toBe('ok');
  });

  it('never fails open: a node that stops reporting becomes unverified once the others are (1 + grace) intervals ahead', () => {
    const m = new SplitBrainMonitor({
      electionTimeout: 10,
      checkpointInterval: K,
      verificationGraceIntervals: 1,
    });
    for (const n of ['a', 'b', 'c']) m.observe(obs(n, 1, 2 * K, 'h'));
    m.observe(obs('a', 2, 3 * K, 'h3'));
    m.observe(obs('b', 2, 3 * K, 'h3'));
    expect(states(m).c).toBe('ok'); // 1 interval behind
    m.observe(obs('a', 3, 4 * K, 'h4'));
    m.observe(obs('b', 3, 4 * K, 'h4'));
    expect(states(m)).toEqual({ a: 'ok', b: 'ok', c: 'unverified' });
  });

  it('never fails open in time either: silence longer than verificationGraceTime is unverified', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 10, verificationGraceTime: 50 });
    for (const n of ['a', 'b', 'c']) m.observe(obs(n, 0, K, 'h'));
    for (let t = 10; t <= 60; t += 10) {
      m.observe(obs('a', t, K, 'h'));
      m.observe(obs('b', t, K, 'h'));
    }
    expect(states(m)).toEqual({ a: 'ok', b: 'ok', c: 'unverified' });
  });

  it('a node that never reported a hash, or had no one to compare with, is unverified', () => {
    const m = new SplitBrainMonitor({ electionTimeout: 10 });
    m.observe({ ...obs('a', 1, 5, 'h'), stateHash: null });
    m.observe(obs('b', 1, 7, 'h'));
    expect(states(m)).toEqual({ a: 'unverified', b: 'unverified' });
  });

  it('rejects bad options', () => {
    expect(() => new SplitBrainMonitor({ electionTimeout: 10, checkpointInterval: 0 })).toThrow(RangeError);
    expect(() => new SplitBrainMonitor({ electionTimeout: 10, verificationGraceIntervals: -1 })).toThrow(
      RangeError,
    );
    expect(() => new SplitBrainMonitor({ electionTimeout: 10, verificationGraceTime: 0 })).toThrow(
      RangeError,
    );
  });
});
