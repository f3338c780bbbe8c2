import type { NodeId, SplitBrainAlert } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, type ClusterOptions, encodeAppRequest, type RepairEvent } from '../src/index.js';
import { waitFor } from '../src/wait-for.js';
import {
  closeClusters,
  followersOf,
  proposeOnLeader,
  startCluster,
  waitConverged,
} from './cluster-helpers.js';

afterEach(closeClusters);

// Snapshots, InstallSnapshot, restarts, addNode, checkpoints, repair and
// autoRepair with an app machine (fixtures/bank-machine.mjs), small intervals
// so each test stays fast.
const BANK = new URL('./fixtures/bank-machine.mjs', import.meta.url).href;
type Bank = typeof import('./fixtures/bank-machine.mjs').createBank;
const SMALL = { snapshotEntries: 20, snapshotCatchUpEntries: 0, checkpointInterval: 10 } as const;

async function bank(opts: ClusterOptions & { hash?: boolean }): Promise<Cluster> {
  const { hash, ...rest } = opts;
  const cluster = await startCluster({
    nodes: 3,
    ...SMALL,
    stateMachine: { module: BANK, export: 'createBank', options: { hash } },
    ...rest,
  });
  await cluster.waitForLeader({ timeoutMs: 5000 });
  const client = cluster.client<Bank>();
  await client.command({ op: 'open', id: 'stable' });
  await client.command({ op: 'deposit', id: 'stable', amount: 100 });
  await client.command({ op: 'open', id: 'w' });
  return cluster;
}

async function deposits(cluster: Cluster, n: number): Promise<void> {
  const client = cluster.client<Bank>();
  for (let i = 0; i < n; i++) await client.command({ op: 'deposit', id: 'w', amount: 1 });
}

/** Every running node's balances, read locally (stale) once converged. */
async function balances(cluster: Cluster, ids: readonly NodeId[] = cluster.ids): Promise<number[][]> {
  await waitConverged(cluster, ids);
  return Promise.all(
    ids.map(async (id) => [
      (await cluster.node(id).query({ balance: 'stable' }, 'stale')).value as number,
      (await cluster.node(id).query({ balance: 'w' }, 'stale')).value as number,
    ]),
  );
}

/** One deposit every few ms until stopped (keeps checkpoints coming). */
function workload(cluster: Cluster): { stop(): Promise<number> } {
  const client = cluster.client<Bank>({ timeoutMs: 5000 });
  let running = true;
  let acked = 0;
  const loop = (async () => {
    while (running) {
      await client.command({ op: 'deposit', id: 'w', amount: 1 }).then(
        () => acked++,
        () => {},
      );
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return acked;
    },
  };
}

describe('app machines under snapshots, restarts and membership', () => {
  it('a killed follower catches up by InstallSnapshot; the whole cluster restarts from its stores; sessions survive', async () => {
    const cluster = await bank({ hash: false });
    const leader = await cluster.waitForLeader();
    const follower = followersOf(cluster, leader)[0];
    await cluster.kill(follower);
    await deposits(cluster, 50);
    await waitFor(async () => (await cluster.node(leader).status()).firstIndex > 1, {
      timeoutMs: 10_000,
      what: 'the leader to compact its log',
    });
    await cluster.restart(follower);
    const sts = await waitConverged(cluster);
    expect(sts.find((s) => s.id === follower)?.snapshots.installed).toBeGreaterThanOrEqual(1);
    expect(await balances(cluster)).toEqual([
      [100, 50],
      [100, 50],
      [100, 50],
    ]);

    // A command applied before the snapshots is still answered from the session table after a full restart.
    const data = encodeAppRequest({ op: 'deposit', id: 'w', amount: 1000 }, { clientId: 'early', seq: 1 });
    const first = await proposeOnLeader(cluster, data);
    await deposits(cluster, 25);
    for (const id of cluster.ids) await cluster.kill(id);
    for (const id of cluster.ids) await cluster.restart(id);
    const restarted = await waitConverged(cluster);
    expect(restarted.every((s) => s.snapshots.restoredAtStart > 0)).toBe(true);
    expect(await proposeOnLeader(cluster, data)).toEqual(first);
    expect(await balances(cluster)).toEqual([
      [100, 1075],
      [100, 1075],
      [100, 1075],
    ]);
  });

  it('addNode brings a new member to the same app state from a snapshot', async () => {
    const cluster = await bank({ storage: 'memory' });
    await deposits(cluster, 40);
    await cluster.addNode('n4');
    const sts = await waitConverged(cluster);
    expect(sts.find((s) => s.id === 'n4')?.snapshots.installed).toBeGreaterThanOrEqual(1);
    expect(await balances(cluster)).toEqual([
      [100, 40],
      [100, 40],
      [100, 40],
      [100, 40],
    ]);
  });
});

describe('app machines under divergence checkpoints and repair', () => {
  it('without hash(): checkpoints derived from snapshot bytes name a corrupted follower; repair restores it', async () => {
    const cluster = await bank({ storage: 'memory', hash: false });
    const alerts: SplitBrainAlert[] = [];
    cluster.events.on('alert', (a) => alerts.push(a));
    const leader = await cluster.waitForLeader();
    const victim = followersOf(cluster, leader)[0];
    await balances(cluster);
    const work = workload(cluster);
    try {
      const corruption = await cluster.node(victim).injectCorruption('stable');
      expect(corruption).toMatchObject({ key: 'stable', before: '100', after: '101' });
      const alert = await waitFor(
        () => alerts.find((a) => a.kind === 'divergence' && a.nodes.includes(victim) && a.index !== null),
        { timeoutMs: 10_000, what: `a divergence alert naming ${victim}` },
      );
      expect(alert.index).toBeGreaterThan(corruption.index);
      await waitFor(async () => (await cluster.node(victim).status()).quarantine !== null, {
        timeoutMs: 5000,
        what: `${victim} quarantined`,
      });
      const repaired = await cluster.repair(victim, { timeoutMs: 20_000 });
      expect(repaired.node).toBe(victim);
      expect((await cluster.node(victim).status()).quarantine).toBeNull();
    } finally {
      await work.stop();
    }
    const all = await balances(cluster);
    expect(new Set(all.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(all[0][0]).toBe(100);
  });

  it('with hash(): autoRepair rebuilds the diverged node without a call', async () => {
    const cluster = await bank({ storage: 'memory', autoRepair: true });
    const repairs: RepairEvent[] = [];
    cluster.events.on('repair', (e) => repairs.push(e));
    const leader = await cluster.waitForLeader();
    const victim = followersOf(cluster, leader)[0];
    await balances(cluster);
    const work = workload(cluster);
    try {
      await cluster.node(victim).injectCorruption('stable');
      await waitFor(() => repairs.find((e) => e.node === victim && e.phase === 'done'), {
        timeoutMs: 25_000,
        what: `an automatic repair of ${victim}`,
      });
      expect(repairs.find((e) => e.phase === 'failed')).toBeUndefined();
    } finally {
      await work.stop();
    }
    const all = await balances(cluster);
    expect(all.every(([stable]) => stable === 100)).toBe(true);
    expect(new Set(all.map((b) => JSON.stringify(b))).size).toBe(1);
  });
});
