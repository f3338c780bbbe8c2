/**
 * Quarantine: a node whose state is not trusted (it found itself diverged,
 * or the host said so) serves no reads, its acknowledgements no longer extend
 * a leader's lease, and as leader it hands over to a healthy voter.
 */
import { describe, expect, it } from 'vitest';
import { bytes } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { makeNode } from './helpers/single.js';

describe('a quarantined node serves no reads', () => {
  it("a follower: readIndex ends dropped('quarantined'); after release reads work again", () => {
    const c = new Cluster(['a', 'b', 'c']);
    c.elect('a');
    c.raft('b').quarantine('operator says so');
    expect(c.raft('b').status().quarantine).toMatchObject({ kind: 'host', reason: 'operator says so' });
    c.raft('b').readIndex(1);
    c.stabilize();
    expect(c.n('b').readStates).toEqual([
      { ctx: 1, status: 'dropped', reason: 'quarantined', leaderHint: 'a' },
    ]);
    c.raft('b').releaseQuarantine();
    expect(c.raft('b').status().quarantine).toBeNull();
    c.raft('b').readIndex(2);
    c.stabilize();
    expect(c.n('b').readStates.at(-1)).toMatchObject({ ctx: 2, status: 'ready' });
  });

  it('reads waiting when the quarantine starts are dropped too (forwarded on a follower, queued on a leader)', () => {
    const c = new Cluster(['a', 'b', 'c']);
    c.elect('a');
    c.cutLink('a', 'b'); // the leader's answer never comes back
    c.raft('b').readIndex(3);
    c.stabilize();
    expect(c.n('b').readStates).toEqual([]);
    c.raft('b').quarantine('x');
    c.stabilize();
    expect(c.n('b').readStates).toEqual([
      { ctx: 3, status: 'dropped', reason: 'quarantined', leaderHint: null },
    ]);

    c.raft('a').readIndex(4); // queued until a heartbeat round is acknowledged
    c.raft('a').quarantine('x');
    c.stabilize();
    expect(c.n('a').readStates).toEqual([
      { ctx: 4, status: 'dropped', reason: 'quarantined', leaderHint: null },
    ]);
  });

  it('a quarantined leader refuses local and forwarded reads and hands leadership to a healthy voter', () => {
    const c = new Cluster(['a', 'b', 'c'], { config: { readMode: 'lease' } });
    c.elect('a');
    c.ticks(60); // the followers measure a's clock rate before the lease is granted
    expect(c.raft('a').status().leaseUntilTick).not.toBeNull();
    c.raft('a').quarantine('bad disk');
    c.raft('a').readIndex(5);
    c.stabilize();
    expect(c.n('a').readStates.at(-1)).toMatchObject({ ctx: 5, status: 'dropped', reason: 'quarantined' });
    c.tickUntil(() => c.leader()?.id !== 'a', 20);
    expect(['b', 'c']).toContain(c.leader()?.id);
    expect(c.n('a').transitions.at(-1)).toMatchObject({
      from: 'leader',
      to: 'follower',
      reason: 'transferred',
    });
    // It does not take leadership back while quarantined.
    c.ticks(100);
    expect(c.leader()?.id).not.toBe('a');
  });

  it('a quarantined follower campaigns only after an extra election timeout: [2T, 3T)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const h = makeNode('b', ['a', 'b', 'c'], { seed, electionTicks: 10 });
      h.node.quarantine('x');
      const t = h.node.status().timeouts.randomizedElectionTicks;
      expect(t).toBeGreaterThanOrEqual(20);
      expect(t).toBeLessThan(30);
    }
  });
});

describe('the lease counts no quarantined or diverged peer', () => {
  /** a leads with lease reads; c is cut off from a; only b acknowledges a's heartbeats. */
  function onlyBAcks(setup: (c: Cluster) => void) {
    const c = new Cluster(['a', 'b', 'c'], {
      reportCheckpoints: true,
      config: { readMode: 'lease', electionTicks: 10, checkpointInterval: 5 },
    });
    c.elect('a');
    setup(c);
    c.cutLink('a', 'c');
    c.cutLink('c', 'a');
    c.ticks(60, ['a', 'b']); // c is frozen, so its election timer does not run; b measures a's clock rate
    return c;
  }

  it('control: a healthy b keeps the lease alive', () => {
    const c = onlyBAcks(() => {});
    const st = c.raft('a').status();
    expect(st.role).toBe('leader');
    expect(st.leaseUntilTick!).toBeGreaterThan(st.tick);
    c.raft('a').readIndex(1, 'lease');
    c.stabilize();
    expect(c.n('a').readStates.at(-1)).toMatchObject({ ctx: 1, status: 'ready', mode: 'lease' });
  });

  it('a quarantined b (it says so on its heartbeat responses) does not extend it', () => {
    const c = onlyBAcks((cl) => cl.raft('b').quarantine('x'));
    const st = c.raft('a').status();
    expect(st.role).toBe('leader'); // CheckQuorum is satisfied: b is alive
    expect(st.leaseUntilTick === null || st.leaseUntilTick <= st.tick).toBe(true);
    c.raft('a').readIndex(2, 'lease');
    c.stabilize();
    // Served, but by a quorum round (b's acknowledgement still proves no newer leader exists).
    expect(c.n('a').readStates.at(-1)).toMatchObject({ ctx: 2, status: 'ready', mode: 'readIndex' });
  });

  it('a b whose checkpoint diverged does not extend it either', () => {
    const c = onlyBAcks((cl) => {
      for (let i = 0; i < 3; i++) cl.propose('a', bytes(`x${i}`));
      cl.stabilize();
      cl.corrupt('b'); // b applied 4 entries; its hash at 5 will differ
      cl.propose('a', bytes('y'));
      cl.ticks(3);
      expect(
        cl
          .raft('a')
          .status()
          .checkpoints.peers.find((p) => p.id === 'b')?.state,
      ).toBe('diverged');
    });
    const st = c.raft('a').status();
    expect(st.role).toBe('leader');
    expect(st.leaseUntilTick === null || st.leaseUntilTick <= st.tick).toBe(true);
  });
});
