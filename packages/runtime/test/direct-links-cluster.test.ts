import type { NodeId } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeNodeStatus } from '../src/control/api.js';
import type { Cluster } from '../src/index.js';
import { waitFor } from '../src/wait-for.js';
import { closeClusters, followersOf, startCluster, waitConverged } from './cluster-helpers.js';

afterEach(closeClusters);

const status = (c: Cluster, id: NodeId): Promise<RuntimeNodeStatus> => c.node(id).status();

async function directOut(c: Cluster): Promise<number> {
  let n = 0;
  for (const s of Object.values(await c.statuses())) n += s?.traffic.directBatchesOut ?? 0;
  return n;
}

/**
 * Wait until `victim` is cut off for good: the router has dropped several
 * more frames to or from it since the fault was set (what was in flight at
 * that moment has landed), then return its status as the frozen reference.
 */
async function settledCut(c: Cluster, victim: NodeId): Promise<RuntimeNodeStatus> {
  const dropped = c.router.stats().framesDropped;
  await waitFor(() => c.router.stats().framesDropped >= dropped + 6, {
    timeoutMs: 5000,
    what: 'frames across the cut to be dropped',
  });
  return status(c, victim);
}

async function writes(c: Cluster, prefix: string, n: number): Promise<void> {
  const client = c.client();
  try {
    for (let i = 0; i < n; i++) await client.put(`${prefix}${i}`, 'v');
  } finally {
    client.close();
  }
}

describe('direct links between local actors (createCluster)', () => {
  it('carry healthy traffic past the router; partition, isolate and link drops still cut; kill/restart reconnects', async () => {
    const cluster = await startCluster({ nodes: 3, storage: 'lmdb' });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const [f1, f2] = followersOf(cluster, leader);

    // No faults: every batch between the actors goes direct, the router re-posts none.
    expect(cluster.router.stats().directLinks).toBe(6);
    await writes(cluster, 'warm', 5);
    await waitFor(
      async () => Object.values(await cluster.statuses()).every((s) => (s?.traffic.directBatchesIn ?? 0) > 0),
      { timeoutMs: 5000, what: 'every node to receive on a direct port' },
    );
    const routedBefore = cluster.router.stats().batchesDelivered;
    const directBefore = await directOut(cluster);
    await writes(cluster, 'clean', 30);
    expect(cluster.router.stats().batchesDelivered - routedBefore).toBe(0);
    expect((await directOut(cluster)) - directBefore).toBeGreaterThan(30);

    // A partition: the minority hears nothing more from the majority's traffic.
    cluster.partition([[leader, f1], [f2]]);
    expect(
      cluster.router
        .directLinks()
        .map((l) => l.join('>'))
        .sort(),
    ).toEqual([`${leader}>${f1}`, `${f1}>${leader}`].sort());
    const frozen = await settledCut(cluster, f2);
    await writes(cluster, 'parted', 20);
    const during = await status(cluster, f2);
    expect(during.traffic.batchesIn).toBe(frozen.traffic.batchesIn);
    expect(during.commitIndex).toBe(frozen.commitIndex);
    expect(during.term).toBe(frozen.term);
    expect((await status(cluster, leader)).commitIndex).toBeGreaterThanOrEqual(frozen.commitIndex + 20);

    // Heal: direct again, and the minority catches up over it.
    cluster.heal();
    expect(cluster.router.stats().directLinks).toBe(6);
    await waitConverged(cluster);
    expect((await status(cluster, f2)).traffic.directBatchesIn).toBeGreaterThan(
      frozen.traffic.directBatchesIn,
    );

    // Isolate a follower: same cut, through isolate.
    cluster.isolate(f1);
    expect(cluster.router.stats().directLinks).toBe(2);
    const isolated = await settledCut(cluster, f1);
    await writes(cluster, 'isolated', 10);
    expect((await status(cluster, f1)).traffic.batchesIn).toBe(isolated.traffic.batchesIn);
    cluster.heal();
    await waitConverged(cluster);

    // drop: 1 on leader -> f2 loses everything there, while f2 -> leader stays direct.
    cluster.setLinkFaults({ drop: 1 }, { from: leader, to: f2 });
    expect(cluster.router.isDirect(leader, f2)).toBe(false);
    expect(cluster.router.isDirect(f2, leader)).toBe(true);
    // (f2 may still hear f1 answer a pre-vote: only the faulted direction is cut.)
    const starved = await settledCut(cluster, f2);
    const droppedBefore = cluster.router.stats().framesDropped;
    await writes(cluster, 'dropped', 10);
    expect((await status(cluster, f2)).commitIndex).toBe(starved.commitIndex);
    expect(cluster.router.stats().framesDropped).toBeGreaterThan(droppedBefore);
    cluster.setLinkFaults({ drop: 0 }, { from: leader, to: f2 });
    expect(cluster.router.stats().directLinks).toBe(6);
    await waitConverged(cluster);

    // Kill a follower: its links go; restarted, it gets new ones, catches up and the cluster commits.
    await cluster.kill(f1);
    expect(
      cluster.router
        .directLinks()
        .map((l) => l.join('>'))
        .sort(),
    ).toEqual([`${leader}>${f2}`, `${f2}>${leader}`].sort());
    await writes(cluster, 'down', 10);
    await cluster.restart(f1);
    expect(cluster.router.stats().directLinks).toBe(6);
    await writes(cluster, 'back', 10);
    await waitConverged(cluster);
    const back = await status(cluster, f1);
    expect(back.traffic.directBatchesIn).toBeGreaterThan(0);
    expect(back.traffic.directBatchesOut).toBeGreaterThan(0);
    const routedAtEnd = cluster.router.stats().batchesDelivered;
    await writes(cluster, 'final', 10);
    expect(cluster.router.stats().batchesDelivered).toBe(routedAtEnd);
  });

  it('directLinks: false sends every batch through the router', async () => {
    const cluster = await startCluster({ nodes: 3, storage: 'memory', directLinks: false });
    await cluster.waitForLeader({ timeoutMs: 5000 });
    const routed = cluster.router.stats().batchesDelivered;
    await writes(cluster, 'k', 10);
    expect(cluster.router.stats().batchesDelivered - routed).toBeGreaterThan(10);
    expect(cluster.router.stats().directLinks).toBe(0);
    expect(await directOut(cluster)).toBe(0);
  });
});
