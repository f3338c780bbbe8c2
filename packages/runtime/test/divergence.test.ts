import type { NodeId, SplitBrainAlert } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, QuarantinedError, type RepairEvent } from '../src/index.js';
import { waitFor } from '../src/wait-for.js';
import { closeClusters, followersOf, startCluster } from './cluster-helpers.js';

afterEach(closeClusters);

/** Checkpoint interval of these tests (entries). */
const K = 20;

/**
 * A light workload: one put every ~5 ms on keys other than `stable`, so a
 * corrupted `stable` is never healed by a later write. Returns a stopper.
 */
function lightWorkload(cluster: Cluster): { stop(): Promise<void> } {
  const client = cluster.client({ timeoutMs: 5000 });
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      await client.put(`w${i % 8}`, `v${i}`).catch(() => {});
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

function divergenceNaming(alerts: SplitBrainAlert[], node: NodeId): SplitBrainAlert | undefined {
  return alerts.find((a) => a.kind === 'divergence' && a.nodes.includes(node) && a.index !== null);
}

describe('state divergence: detection, quarantine, repair', () => {
  it('names a corrupted follower within one checkpoint interval, quarantines it, and repair() restores the common hash', async () => {
    const cluster = await startCluster({
      nodes: 3,
      storage: 'memory',
      checkpointInterval: K,
      // The leader compacts its log early, so the rebuilt node catches up by InstallSnapshot.
      snapshotEntries: 30,
      snapshotCatchUpEntries: 0,
    });
    const alerts: SplitBrainAlert[] = [];
    cluster.events.on('alert', (a) => alerts.push(a));
    const leader = await cluster.waitForLeader();
    const client = cluster.client();
    await client.put('stable', 'original');
    const victim = followersOf(cluster, leader)[0];
    await waitFor(async () => (await cluster.node(victim).read('stable', 'stale')).value === 'original', {
      timeoutMs: 5000,
    });
    const work = lightWorkload(cluster);
    try {
      const corruption = await cluster.node(victim).injectCorruption('stable');
      expect(corruption).toMatchObject({ key: 'stable', before: 'original' });
      expect(corruption.after).not.toBe('original');

      const alert = await waitFor(() => divergenceNaming(alerts, victim), {
        timeoutMs: 10_000,
        what: `a divergence alert naming ${victim}`,
      });
      const leaderApplied = (await cluster.node(leader).status()).appliedIndex;
      // Detected at the first checkpoint after the corruption: at most K entries later.
      expect(alert.index).toBeGreaterThan(corruption.index);
      expect((alert.index as number) - corruption.index).toBeLessThanOrEqual(K);
      // Entries applied between corruption and the alert reaching us: K plus the documented grace
      // (what a light workload commits during the detecting heartbeat round(s)). The exact bound is
      // the checkpoint index above; this one also counts what the others commit while the alert
      // travels to the test, so it is loose (a stalled thread on a busy machine adds entries).
      const lag = leaderApplied - corruption.index;
      expect(lag).toBeLessThanOrEqual(3 * K);
      console.log(
        `divergence detection: corrupted at ${corruption.index}, alert at checkpoint ${alert.index}, ` +
          `leader applied ${leaderApplied} when it arrived (lag ${lag} entries, K=${K})`,
      );

      // The diverged node quarantines itself (the leader passes it the confirmed hash) and serves no reads.
      await waitFor(async () => (await cluster.node(victim).status()).quarantine !== null, {
        timeoutMs: 5000,
        what: `${victim} quarantined`,
      });
      await expect(cluster.node(victim).read('stable', 'stale')).rejects.toBeInstanceOf(QuarantinedError);
      await expect(cluster.node(victim).read('stable')).rejects.toBeInstanceOf(QuarantinedError);
      const leaderView = await waitFor(
        async () => {
          const st = await cluster.node(cluster.leaderHint() ?? leader).status();
          return st.checkpoints.peers.find((p) => p.id === victim && p.state === 'diverged');
        },
        { timeoutMs: 5000, what: `the leader to see ${victim} diverged` },
      );
      expect(leaderView.divergence?.node).toBe(victim);

      await waitFor(async () => (await cluster.node(leader).status()).snapshots.index > 0, {
        timeoutMs: 10_000,
        what: 'a leader snapshot',
      });
      const repaired = await cluster.repair(victim, { timeoutMs: 20_000 });
      expect(repaired.node).toBe(victim);
      expect(repaired.via).toBe('snapshot');
      const st = await cluster.node(victim).status();
      expect(st.quarantine).toBeNull();
      expect((await cluster.node(victim).read('stable')).value).toBe('original');
    } finally {
      await work.stop();
    }
    expect(cluster.ids).toContain(victim);
  });

  it('autoRepair rebuilds the diverged node without a call', async () => {
    const cluster = await startCluster({
      nodes: 3,
      storage: 'memory',
      checkpointInterval: K,
      autoRepair: true,
    });
    const repairs: RepairEvent[] = [];
    cluster.events.on('repair', (e) => repairs.push(e));
    const leader = await cluster.waitForLeader();
    await cluster.client().put('stable', 'original');
    const victim = followersOf(cluster, leader)[0];
    await waitFor(async () => (await cluster.node(victim).read('stable', 'stale')).value === 'original', {
      timeoutMs: 5000,
    });
    const work = lightWorkload(cluster);
    try {
      await cluster.node(victim).injectCorruption('stable');
      const done = await waitFor(() => repairs.find((e) => e.node === victim && e.phase === 'done'), {
        timeoutMs: 25_000,
        what: `an automatic repair of ${victim}`,
      });
      expect(repairs.find((e) => e.phase === 'failed')).toBeUndefined();
      expect(done.result?.hash).toBeTruthy();
      expect((await cluster.node(victim).read('stable')).value).toBe('original');
    } finally {
      await work.stop();
    }
  });

  it('a silent follower is unverified in the leader status, never ok', async () => {
    const cluster = await startCluster({ nodes: 3, storage: 'memory', checkpointInterval: 10 });
    const leader = await cluster.waitForLeader();
    const silent = followersOf(cluster, leader)[0];
    const work = lightWorkload(cluster);
    const peerState = async () =>
      (await cluster.node(leader).status()).checkpoints.peers.find((p) => p.id === silent)?.state;
    try {
      // Before: the follower is verified.
      await waitFor(async () => (await peerState()) === 'ok', { timeoutMs: 10_000, what: `${silent} ok` });
      cluster.isolate(silent);
      // Within the grace (2 election timeouts by default) it is no longer vouched for.
      await waitFor(async () => (await peerState()) === 'unverified', {
        timeoutMs: 5000,
        what: `${silent} unverified`,
      });
      const before = (await cluster.node(leader).status()).appliedIndex;
      // And stays so while silent, as the leader applies more checkpoints.
      const seen = new Set<string | undefined>();
      await waitFor(
        async () => {
          const st = await cluster.node(leader).status();
          seen.add(st.checkpoints.peers.find((p) => p.id === silent)?.state);
          return st.appliedIndex >= before + 30;
        },
        { timeoutMs: 10_000, what: 'more checkpoints on the leader' },
      );
      expect([...seen]).toEqual(['unverified']);
      const monitorView = cluster.verification().find((v) => v.node === silent);
      expect(monitorView?.state).not.toBe('ok');
    } finally {
      await work.stop();
    }
  });
});
