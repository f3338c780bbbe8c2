/**
 * CheckQuorum: a leader that has not heard from a quorum within an election
 * timeout steps down (etcd testdata/checkquorum.txt, TestLeaderStepdownWhenQuorumLost).
 */
import { describe, expect, it } from 'vitest';
import { bytes } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';

describe('CheckQuorum: a leader cut off from the majority steps down', () => {
  it('within one election timeout of losing contact, with reason lostQuorum', () => {
    const c = new Cluster(['1', '2', '3', '4', '5'], { config: { electionTicks: 10 } });
    c.elect('1');
    c.ticks(5);
    c.partition(['1', '2'], ['3', '4', '5']);
    const ticks = c.tickUntil(() => c.n('1').role !== 'leader', 100);
    expect(ticks).toBeLessThanOrEqual(10);
    expect(c.n('1').transitions.at(-1)).toMatchObject({
      from: 'leader',
      to: 'follower',
      reason: 'lostQuorum',
    });
  });

  it("its uncommitted proposals end as dropped('termChanged'); none is silently lost", () => {
    const c = new Cluster(['1', '2', '3'], { config: { electionTicks: 10 } });
    c.elect('1');
    c.isolate('1');
    const ids = [c.propose('1', bytes('a')), c.propose('1', bytes('b')), c.propose('1', bytes('c'))];
    c.ticks(25);
    expect(c.n('1').role).not.toBe('leader');
    const outcomes = c.n('1').outcomes.filter((o) => ids.includes(o.id));
    expect(outcomes).toHaveLength(3);
    for (const o of outcomes) expect(o).toMatchObject({ status: 'dropped', reason: 'termChanged' });
  });

  it('a leader that keeps hearing from a quorum stays leader', () => {
    const c = new Cluster(['1', '2', '3'], { config: { electionTicks: 10 } });
    c.elect('1');
    c.isolate('3'); // one follower is enough for a quorum
    c.ticks(200);
    expect(c.n('1').role).toBe('leader');
  });

  it('a leader that can send but hears nothing back (one-way partition) steps down too', () => {
    const c = new Cluster(['1', '2', '3'], { config: { electionTicks: 10 } });
    c.elect('1');
    c.cutLink('2', '1');
    c.cutLink('3', '1');
    const ticks = c.tickUntil(() => c.n('1').role !== 'leader', 100, ['1']);
    expect(ticks).toBeLessThanOrEqual(10);
  });

  it('with CheckQuorum off an isolated leader believes it leads indefinitely', () => {
    const c = new Cluster(['1', '2', '3'], { config: { checkQuorum: false } });
    c.elect('1');
    c.isolate('1');
    c.ticks(100, ['1']);
    expect(c.n('1').role).toBe('leader');
  });

  it('the majority side elects a new leader and keeps committing; the old side commits nothing', () => {
    const c = new Cluster(['1', '2', '3', '4', '5'], { seed: 11 });
    c.elect('1');
    c.partition(['1', '2'], ['3', '4', '5']);
    const stale = c.propose('1', bytes('stale'));
    c.tickUntil(() => ['3', '4', '5'].some((id) => c.n(id).role === 'leader'));
    const newLeader = ['3', '4', '5'].find((id) => c.n(id).role === 'leader')!;
    const fresh = c.propose(newLeader, bytes('fresh'));
    c.ticks(20);
    expect(c.n(newLeader).outcomes.find((o) => o.id === fresh)?.status).toBe('committed');
    expect(c.n('1').outcomes.find((o) => o.id === stale)).toMatchObject({ status: 'dropped' });
    expect(c.n('1').role).not.toBe('leader');
  });
});
