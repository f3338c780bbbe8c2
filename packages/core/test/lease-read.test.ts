/**
 * Lease reads: a leader that a quorum acknowledged at tick T serves reads
 * without a round trip until T + electionTicks - maxClockDriftTicks, because
 * (with CheckQuorum and leader stickiness) no other leader can be elected
 * before then. Outside the lease it falls back to ReadIndex.
 */
import { ConfigError, MemoryStorage, RaftNode } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { appendResp, heartbeatResp, ofType } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { makeLeader, makeNode } from './helpers/single.js';

const base = { id: '1', peers: ['1', '2', '3'], seed: 1 };

describe('lease reads are refused without their preconditions', () => {
  it("readMode 'lease' without CheckQuorum is a ConfigError", () => {
    expect(
      () => new RaftNode({ ...base, storage: new MemoryStorage(), readMode: 'lease', checkQuorum: false }),
    ).toThrow(ConfigError);
  });

  it("readMode 'lease' without leader stickiness is a ConfigError", () => {
    expect(
      () =>
        new RaftNode({ ...base, storage: new MemoryStorage(), readMode: 'lease', leaderStickiness: false }),
    ).toThrow(ConfigError);
  });

  it('a per-call lease read on a node without CheckQuorum throws ConfigError and records nothing', () => {
    const h = makeNode('1', ['1', '2', '3'], { checkQuorum: false });
    expect(() => h.node.readIndex(1, 'lease')).toThrow(ConfigError);
    expect(h.node.hasReady()).toBe(false);
  });

  it('status().leaseUntilTick is null on followers and when leases are impossible', () => {
    const c = new Cluster(['1', '2', '3'], { config: { checkQuorum: false } });
    c.elect('1');
    c.ticks(3);
    expect(c.raft('1').status().leaseUntilTick).toBeNull();
    expect(c.raft('2').status().leaseUntilTick).toBeNull();
  });
});

describe('lease reads on the leader', () => {
  /** Lease mechanics alone: the clock-rate check (clock-rate.test.ts) is off, so one acknowledged round grants it. */
  function leaderWithLease(drift = 1) {
    const h = makeNode('1', ['1', '2', '3'], {
      readMode: 'lease',
      electionTicks: 10,
      maxClockDriftTicks: drift,
      clockRateCheck: false,
    });
    makeLeader(h);
    h.stepAll(appendResp('2', '1', 1, 1)); // commit an entry of the term
    const d = h.ticks(1); // heartbeat round sent at tick 1
    const seq = ofType(d.messages, 'heartbeat')[0].seq;
    h.stepAll(heartbeatResp('2', '1', 1, seq));
    return h;
  }

  it('the lease runs from the send tick of the acknowledged round for electionTicks - drift - 1', () => {
    // The one tick: a follower's first tick may come right after it received the round.
    expect(leaderWithLease(1).status.leaseUntilTick).toBe(1 + 10 - 1 - 1);
    expect(leaderWithLease(3).status.leaseUntilTick).toBe(1 + 10 - 3 - 1);
  });

  it('within the lease a read is served at once, without a heartbeat round (mode lease)', () => {
    const h = leaderWithLease();
    h.node.readIndex(7);
    const d = h.drain();
    expect(d.readStates).toEqual([{ ctx: 7, status: 'ready', index: 1, mode: 'lease' }]);
    expect(ofType(d.messages, 'heartbeat')).toEqual([]);
  });

  it('once the lease lapsed a lease read falls back to ReadIndex (quorum round)', () => {
    const h = leaderWithLease();
    for (let i = 0; i < 9; i++) h.node.tick(); // tick 10: lease (until 9) has lapsed; followers silent
    h.drain();
    expect(h.status.role).toBe('leader');
    h.node.readIndex(8, 'lease');
    const d = h.drain();
    expect(d.readStates).toEqual([]);
    const seq = ofType(d.messages, 'heartbeat').at(-1)!.seq;
    expect(h.stepAll(heartbeatResp('3', '1', 1, seq)).readStates).toEqual([
      { ctx: 8, status: 'ready', index: 1, mode: 'readIndex' },
    ]);
  });

  it('no lease reads while a leadership transfer is in progress', () => {
    const h = leaderWithLease();
    h.node.transferLeadership('3');
    h.drain();
    h.node.readIndex(9, 'lease');
    expect(h.drain().readStates).toEqual([]);
  });

  it("an explicit 'readIndex' read on a lease-mode leader still takes a quorum round", () => {
    const h = leaderWithLease();
    h.node.readIndex(10, 'readIndex');
    const d = h.drain();
    expect(d.readStates).toEqual([]);
    expect(ofType(d.messages, 'heartbeat')).toHaveLength(2);
  });
});

describe('lease safety: an old leader lease ends before any new leader can exist', () => {
  it('even when the followers that acknowledged the lease crash and restart at once', () => {
    const c = new Cluster(['1', '2', '3', '4', '5'], {
      seed: 4,
      config: { readMode: 'lease', electionTicks: 10 },
    });
    c.elect('1');
    // 4 loses contact with the leader only; its election timer runs down (others ignore its pre-votes).
    c.cutLink('1', '4');
    c.cutLink('4', '1');
    c.ticks(60); // long enough for the followers to measure the leader's clock rate (5 election timeouts)
    const st = c.raft('1').status();
    expect(st.role).toBe('leader');
    expect(st.leaseUntilTick! - st.tick).toBeGreaterThan(5);
    // 2 and 3, part of the quorum behind the lease, crash and come straight back; 1 is cut off.
    c.isolate('1');
    for (const id of ['2', '3']) {
      c.crash(id);
      c.restart(id);
    }
    c.raft('4').campaign();
    c.stabilize();
    const stillLeased = c.raft('1').status();
    expect(stillLeased.role === 'leader' && stillLeased.tick < stillLeased.leaseUntilTick!).toBe(true);
    expect(c.leaders().map((n) => n.id)).toEqual(['1']); // nobody else may lead inside the lease
    c.tickUntil(() => c.leaders().some((n) => n.id !== '1'));
  });

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`isolated leader, seed ${seed}: every tick with a valid old lease has no other leader`, () => {
      const c = new Cluster(['1', '2', '3', '4', '5'], {
        seed,
        config: { readMode: 'lease', electionTicks: 10 },
      });
      c.elect('1');
      c.ticks(5);
      c.isolate('1');
      let newLeaderAt = -1;
      for (let t = 0; t < 80; t++) {
        c.tick();
        const st = c.raft('1').status();
        const leaseValid = st.role === 'leader' && st.leaseUntilTick !== null && st.tick < st.leaseUntilTick;
        const others = ['2', '3', '4', '5'].filter((id) => c.n(id).role === 'leader');
        if (others.length > 0 && newLeaderAt < 0) newLeaderAt = t;
        expect(leaseValid && others.length > 0).toBe(false);
      }
      expect(newLeaderAt).toBeGreaterThan(0);
    });
  }
});
