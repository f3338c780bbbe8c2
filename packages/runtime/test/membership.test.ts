import type { NodeId } from '@raftkit/core';
import { checkKvHistory, formatCheckResult } from '@raftkit/sim';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Cluster,
  ConfChangePendingError,
  InvalidRequestError,
  LearnerNotCaughtUpError,
  type MembershipEvent,
  NotLeaderError,
  ProposalDroppedError,
  type TransitionEvent,
} from '../src/index.js';
import { waitFor } from '../src/wait-for.js';
import { closeClusters, followersOf, startCluster, waitConverged } from './cluster-helpers.js';
import { startKvWorkload } from './kv-workload.js';

afterEach(closeClusters);

async function leaderStatus(cluster: Cluster) {
  return cluster.node(await cluster.waitForLeader({ timeoutMs: 5000 })).status();
}

describe('membership changes', () => {
  it('grows 3 -> 5 and shrinks to 3 under a running workload: no lost acknowledged write, linearizable history', async () => {
    const cluster = await startCluster({ nodes: 3, seed: 5, snapshotEntries: 60, snapshotCatchUpEntries: 0 });
    const changes: MembershipEvent[] = [];
    cluster.events.on('membership', (e) => changes.push(e));
    await cluster.waitForLeader({ timeoutMs: 5000 });
    const load = startKvWorkload(cluster, { clients: 4, keys: ['a', 'b', 'c', 'd'], seed: 9 });
    const okAtLeast = (n: number) =>
      waitFor(() => load.counts.ok >= n, { timeoutMs: 15_000, what: `${n} completed operations` });

    // Let the leader snapshot and compact, so the new members must start from a snapshot.
    await waitFor(async () => (await leaderStatus(cluster)).firstIndex > 1, {
      timeoutMs: 15_000,
      what: 'the leader to compact its log',
    });
    const n4 = await cluster.addNode();
    await okAtLeast(load.counts.ok + 40);
    const n5 = await cluster.addNode();
    expect([n4, n5]).toEqual(['n4', 'n5']);
    expect((await leaderStatus(cluster)).conf.voters).toHaveLength(5);
    await okAtLeast(load.counts.ok + 40);

    // Shrink: remove the current leader (it hands over) and another original member.
    // (An election on a loaded machine may have made a new member the leader: hand it back to an
    // original member first, so the two removed are originals and n4/n5 stay.)
    const originals: NodeId[] = ['n1', 'n2', 'n3'];
    const leader = await waitFor(
      async () => {
        const l = await cluster.waitForLeader({ timeoutMs: 5000 });
        if (originals.includes(l)) return l;
        await cluster
          .node(l)
          .transferLeadership('n1')
          .catch(() => {});
        return null;
      },
      { timeoutMs: 15_000, what: 'an original member to lead' },
    );
    await cluster.removeNode(leader);
    const other = originals.find((id) => id !== leader) as NodeId;
    await cluster.removeNode(other);
    await okAtLeast(load.counts.ok + 40);
    await load.stop();

    expect(cluster.ids).toHaveLength(3);
    expect(cluster.ids).toEqual(expect.arrayContaining([n4, n5]));
    const sts = await waitConverged(cluster, cluster.ids, 15_000);
    expect(new Set(sts.map((s) => s.stateHash)).size).toBe(1);
    for (const s of sts) expect([...s.conf.voters].sort()).toEqual([...cluster.ids].sort());
    for (const id of [n4, n5]) {
      expect(
        sts.find((s) => s.id === id)?.snapshots.installed,
        `${id} caught up from a snapshot`,
      ).toBeGreaterThan(0);
    }
    expect(cluster.isRunning(leader)).toBe(false);
    expect(changes.map((c) => `${c.change} ${c.node}`)).toEqual([
      `learnerAdded ${n4}`,
      `promoted ${n4}`,
      `learnerAdded ${n5}`,
      `promoted ${n5}`,
      `removed ${leader}`,
      `removed ${other}`,
    ]);

    // Every acknowledged unique write is on every remaining member.
    expect(load.acked.size).toBeGreaterThan(20);
    for (const id of cluster.ids) {
      const missing: string[] = [];
      for (const [key, value] of load.acked) {
        if ((await cluster.node(id).read(key, 'stale')).value !== value) missing.push(key);
      }
      expect(missing, `node ${id} lost acknowledged writes`).toEqual([]);
    }
    const ops = load.ops();
    const result = checkKvHistory(ops, { budgetMs: 60_000 });
    console.log(
      `membership: ${ops.length} ops (ok ${load.counts.ok}, info ${load.counts.info}, failed reads ${load.counts.fail}), ` +
        `${load.acked.size} unique writes acknowledged; checker ${result.verdict}; ` +
        `snapshots installed ${sts.map((s) => `${s.id}:${s.snapshots.installed}`).join(' ')}`,
    );
    if (result.verdict !== 'linearizable') console.log(formatCheckResult(result));
    expect(result.verdict).toBe('linearizable');
    expect(load.counts.ok).toBeGreaterThan(150);
    expect(cluster.alerts().filter((a) => a.severity === 'safety')).toEqual([]);
  });

  it('a leader that removes itself steps down once the change commits, and the cluster goes on', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const transitions: TransitionEvent[] = [];
    cluster.events.on('transition', (t) => transitions.push(t));
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const kv = cluster.client();
    await kv.put('before', '1');
    const index = await cluster.node(leader).status();
    await cluster.removeNode(leader);
    expect(transitions.some((t) => t.node === leader && t.from === 'leader' && t.reason === 'removed')).toBe(
      true,
    );
    expect(cluster.isRunning(leader)).toBe(false);
    expect(cluster.ids).not.toContain(leader);
    const next = await cluster.waitForLeader({ timeoutMs: 5000 });
    expect(next).not.toBe(leader);
    await kv.put('after', '2');
    expect(await kv.get('before')).toBe('1');
    expect(await kv.get('after')).toBe('2');
    const sts = await waitConverged(cluster);
    for (const s of sts) expect([...s.conf.voters].sort()).toEqual(followersOf(cluster, leader).sort());
    expect(sts[0].commitIndex).toBeGreaterThan(index.commitIndex);
    // A removed node cannot be restarted into the cluster; its handle says it is stopped.
    await expect(cluster.restart(leader)).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(cluster.node(leader).status()).rejects.toThrow(/not running/);
  });

  it('one change at a time, and typed errors for changes that cannot be made', async () => {
    // A longer election timeout (600 ms): the isolated leader below must still lead (CheckQuorum has
    // not stepped it down) when the second change reaches it, even on a loaded machine.
    const cluster = await startCluster({ nodes: 3, storage: 'memory', electionTicks: 40 });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    await cluster.client().put('k', 'v');
    const follower = followersOf(cluster, leader)[0];
    const lh = cluster.node(leader);

    // Cluster level: a second operation while one is in flight.
    const adding = cluster.addNode();
    await expect(cluster.removeNode(follower)).rejects.toBeInstanceOf(ConfChangePendingError);
    await expect(cluster.addNode()).rejects.toBeInstanceOf(ConfChangePendingError);
    const n4 = await adding;
    expect(n4).toBe('n4');
    await expect(cluster.addNode(n4)).rejects.toBeInstanceOf(InvalidRequestError);

    // Node level, on the leader: a change while the previous one is not committed (isolated leader).
    const lead = await cluster.waitForLeader({ timeoutMs: 5000 });
    const h = cluster.node(lead);
    cluster.isolate(lead);
    const first = h.addLearner('x1');
    await expect(h.addLearner('x2')).rejects.toBeInstanceOf(ConfChangePendingError);
    cluster.heal();
    await first.catch((err: unknown) => expect(err).toBeInstanceOf(ProposalDroppedError));

    // promote of a learner that never caught up (it has no worker at all).
    const now = await leaderStatus(cluster);
    const lh2 = cluster.node(now.id);
    if (!now.conf.learners.includes('x1')) await lh2.addLearner('x1');
    await expect(lh2.promote('x1')).rejects.toBeInstanceOf(LearnerNotCaughtUpError);
    await lh2.removeNode('x1');
    // Changes that do not fit the configuration, and calls on a follower.
    await expect(lh2.promote(now.id)).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(lh2.removeNode('nobody')).rejects.toBeInstanceOf(InvalidRequestError);
    const f = cluster.ids.find((id) => id !== now.id) as NodeId;
    const e = await cluster
      .node(f)
      .addLearner('x3')
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(NotLeaderError);
    expect((e as NotLeaderError).leaderHint).toBe(now.id);
    expect(lh).toBeDefined();
    const final = await leaderStatus(cluster);
    expect(final.conf.learners).toEqual([]);
    expect([...final.conf.voters].sort()).toEqual(['n1', 'n2', 'n3', 'n4']);
  });
});
