import { rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, StorageError } from '../src/index.js';
import { waitFor } from '../src/wait-for.js';
import { closeClusters, followersOf, startCluster, waitConverged } from './cluster-helpers.js';

afterEach(closeClusters);

/** Clients writing unique keys until stopped; remembers every acknowledged write. */
function startLoad(cluster: Cluster, clients: number) {
  const acked = new Map<string, string>();
  let running = true;
  const loops = Array.from({ length: clients }, async (_, c) => {
    const client = cluster.client({ timeoutMs: 2000, attemptTimeoutMs: 500 });
    for (let n = 0; running && !cluster.closed; n++) {
      const key = `c${c}-${n}`;
      const value = `v${n}-${'x'.repeat(n % 50)}`;
      try {
        await client.put(key, value);
        acked.set(key, value);
      } catch {
        // Not acknowledged (timeout / no quorum): the outcome is unknown, so it is not checked.
      }
    }
  });
  return {
    acked,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('crashes under load', () => {
  it('kill a follower, then the leader; restart both: every acknowledged write is on every node', async () => {
    const cluster = await startCluster({ nodes: 5 });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const follower = followersOf(cluster, leader)[0];
    const load = startLoad(cluster, 8);
    const ackedAtLeast = (n: number) =>
      waitFor(() => load.acked.size >= n, { timeoutMs: 15_000, what: `${n} acknowledged writes` });

    await ackedAtLeast(60);
    // The leader sends its appends while it writes its own copy (parallelLeaderWrites, on by default).
    expect((await cluster.node(leader).status()).traffic.sentBeforePersist).toBeGreaterThan(0);
    await cluster.kill(follower);
    await ackedAtLeast(load.acked.size + 60);
    await cluster.kill(leader);
    const newLeader = await cluster.waitForLeader({ timeoutMs: 10_000, exclude: [leader] });
    await ackedAtLeast(load.acked.size + 60);
    await cluster.restart(follower);
    await cluster.restart(leader);
    await ackedAtLeast(load.acked.size + 30);
    await load.stop();

    const sts = await waitConverged(cluster, cluster.ids, 15_000);
    expect(new Set(sts.map((s) => s.stateHash)).size).toBe(1);
    expect(load.acked.size).toBeGreaterThanOrEqual(210);
    for (const id of cluster.ids) {
      const node = cluster.node(id);
      const missing: string[] = [];
      for (const [key, value] of load.acked) {
        if ((await node.read(key, 'stale')).value !== value) missing.push(key);
      }
      expect(missing, `node ${id} lost acknowledged writes`).toEqual([]);
    }
    const restarted = await cluster.node(leader).status();
    expect(restarted.epoch).toBe(1);
    expect(newLeader).not.toBe(leader);
    expect(cluster.alerts().filter((a) => a.severity === 'safety')).toEqual([]);
  });

  it('leaders killed while their own writes are in flight (appends already sent) lose no acknowledged write', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const load = startLoad(cluster, 8);
    const ackedAtLeast = (n: number) =>
      waitFor(() => load.acked.size >= n, { timeoutMs: 15_000, what: `${n} acknowledged writes` });
    for (let round = 0; round < 3; round++) {
      await ackedAtLeast(load.acked.size + 40);
      const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
      // Under this load the leader nearly always has a write in flight whose appends already left.
      await cluster.kill(leader);
      await cluster.waitForLeader({ timeoutMs: 10_000, exclude: [leader] });
      await cluster.restart(leader);
    }
    await ackedAtLeast(load.acked.size + 20);
    await load.stop();
    const sts = await waitConverged(cluster, cluster.ids, 15_000);
    expect(new Set(sts.map((s) => s.stateHash)).size).toBe(1);
    expect(sts.some((s) => s.traffic.sentBeforePersist > 0)).toBe(true);
    for (const id of cluster.ids) {
      const missing: string[] = [];
      for (const [key, value] of load.acked) {
        if ((await cluster.node(id).read(key, 'stale')).value !== value) missing.push(key);
      }
      expect(missing, `node ${id} lost acknowledged writes`).toEqual([]);
    }
    expect(cluster.alerts().filter((a) => a.severity === 'safety')).toEqual([]);
  });

  it('recovers term, vote, log and applied state when the whole cluster restarts from its data dir', async () => {
    const cluster = await startCluster({ nodes: 3 });
    await cluster.waitForLeader({ timeoutMs: 5000 });
    const c = cluster.client();
    for (let i = 0; i < 30; i++) await c.put(`r${i}`, `${i}`);
    await c.append('r0', '+');
    const before = await waitConverged(cluster);
    for (const id of cluster.ids) await cluster.kill(id);
    for (const id of cluster.ids) await cluster.restart(id);
    // The log and the term are back, and the state is re-applied from the log up to the
    // stored commit index (the state machine itself is not persisted).
    for (const id of cluster.ids) {
      const b = before.find((s) => s.id === id);
      const st = await waitFor(
        async () => {
          const s = await cluster.node(id).status();
          return s.appliedIndex >= 20 ? s : null;
        },
        { timeoutMs: 5000, what: `node ${id} to re-apply its log` },
      );
      expect(st.term).toBeGreaterThanOrEqual(b?.term ?? 0);
      expect(st.lastIndex).toBeGreaterThanOrEqual(b?.lastIndex ?? 0);
      expect((await cluster.node(id).read('r10', 'stale')).value).toBe('10');
    }
    await cluster.waitForLeader({ timeoutMs: 5000 });
    const after = await waitConverged(cluster);
    expect(after[0].appliedIndex).toBeGreaterThan(before[0].appliedIndex);
    expect(await c.get('r0')).toBe('0+');
    expect(await c.get('r29')).toBe('29');
  });

  it('refuses to restart a node whose store was deleted or truncated, naming the path', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const c = cluster.client();
    for (let i = 0; i < 20; i++) await c.put(`d${i}`, 'y'.repeat(3000));
    await waitConverged(cluster);
    const [f1, f2] = followersOf(cluster, leader);
    await cluster.kill(f1);
    await cluster.kill(f2);
    const dir1 = join(cluster.dataDir as string, f1);
    rmSync(join(dir1, 'data.mdb'));
    const e1 = await cluster.restart(f1).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(StorageError);
    expect((e1 as StorageError).kind).toBe('missing');
    expect((e1 as StorageError).message).toContain(dir1);

    const file2 = join(cluster.dataDir as string, f2, 'data.mdb');
    truncateSync(file2, Math.floor(statSync(file2).size / 3));
    const e2 = await cluster.restart(f2).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(StorageError);
    expect((e2 as StorageError).kind).toBe('corrupt');
    expect((e2 as StorageError).path).toBe(file2);

    rmSync(dir1, { recursive: true });
    const e3 = await cluster.restart(f1).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(StorageError);
    expect((e3 as StorageError).path).toBe(dir1);
    expect(cluster.isRunning(f1)).toBe(false);
    // The leader (alone now) is still alive and answering.
    expect((await cluster.node(leader).status()).id).toBe(leader);
  });
});
