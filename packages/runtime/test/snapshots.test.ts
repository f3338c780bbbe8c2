import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeId } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cluster, SnapshotEvent } from '../src/index.js';
import { seededRandom } from '../src/rng.js';
import { waitFor } from '../src/wait-for.js';
import { closeClusters, followersOf, startCluster, waitConverged } from './cluster-helpers.js';
import { pause } from './runtime-nemesis.js';

afterEach(closeClusters);

/** Small snapshots often, compacted right up to the snapshot, small chunks: snapshot paths get exercised. */
const SNAPSHOTS = { snapshotEntries: 40, snapshotCatchUpEntries: 0, snapshotChunkBytes: 2048 } as const;

async function writeKeys(cluster: Cluster, prefix: string, n: number, size = 200): Promise<void> {
  const clients = Array.from({ length: 4 }, () => cluster.client());
  await Promise.all(
    clients.map(async (c, k) => {
      for (let i = k; i < n; i += clients.length) await c.put(`${prefix}${i}`, `${i}:${'v'.repeat(size)}`);
    }),
  );
}

/** Values that do not compress much, so a snapshot spans many chunks. */
function noise(random: () => number, chars: number): string {
  let s = '';
  while (s.length < chars) s += Math.floor(random() * 2 ** 32).toString(36);
  return s.slice(0, chars);
}

/** Clients overwriting `keys` keys with noisy values until stopped; remembers acknowledged writes. */
function startNoisyLoad(cluster: Cluster, clients: number, keys: number) {
  const acked = new Map<string, string>();
  let running = true;
  const loops = Array.from({ length: clients }, async (_, c) => {
    const random = seededRandom(77 + c);
    const client = cluster.client({ timeoutMs: 3000, attemptTimeoutMs: 400 });
    for (let n = 0; running && !cluster.closed; n++) {
      const key = `k${(n * clients + c) % keys}`;
      const value = `${c}.${n}:${noise(random, 150)}`;
      try {
        await client.put(key, value);
        acked.set(key, value);
      } catch {
        // Not acknowledged: outcome unknown. A later acknowledged write to the key decides what is checked.
        acked.delete(key);
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

function collect(cluster: Cluster): SnapshotEvent[] {
  const events: SnapshotEvent[] = [];
  cluster.events.on('snapshot', (e) => events.push(e));
  return events;
}

async function status(cluster: Cluster, id: NodeId) {
  return cluster.node(id).status();
}

describe('snapshots and log compaction', () => {
  it('takes snapshots by policy, compacts the log, and restarts from the snapshot plus the log after it', async () => {
    const cluster = await startCluster({ nodes: 3, ...SNAPSHOTS });
    const events = collect(cluster);
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    await writeKeys(cluster, 'a', 150);
    await waitConverged(cluster);
    // Snapshots are taken in the background (compressed on the pool): wait for the second on every node.
    const sts = await waitFor(
      async () => {
        const all = await Promise.all(cluster.ids.map((id) => status(cluster, id)));
        return all.every((s) => s.snapshots.taken >= 2) ? all : null;
      },
      { timeoutMs: 10_000, what: 'two snapshots on every node' },
    );
    for (const st of sts) {
      expect(st.snapshots.taken, st.id).toBeGreaterThanOrEqual(2);
      expect(st.snapshots.index).toBeGreaterThanOrEqual(80);
      // Compacted right up to the snapshot: the log begins at snapshot index + 1.
      expect(st.snapshots.firstIndex).toBe(st.snapshots.index + 1);
      expect(st.snapshots.codec).toBe('pool');
      expect(st.snapshots.lastTaken?.storedBytes ?? 0).toBeLessThan(st.snapshots.lastTaken?.rawBytes ?? 0);
      expect(st.storage.entriesCompacted).toBeGreaterThanOrEqual(80);
    }
    await waitFor(() => events.filter((e) => e.kind === 'taken').length >= 6, {
      timeoutMs: 10_000,
      what: "the 'taken' snapshot events of every node",
    });

    const follower = followersOf(cluster, leader)[0];
    await cluster.kill(follower);
    await writeKeys(cluster, 'b', 20);
    await cluster.restart(follower);
    const restarted = await status(cluster, follower);
    expect(restarted.snapshots.restoredAtStart).toBeGreaterThanOrEqual(80);
    // The event travels on its own channel: it may arrive after the status call returns.
    await waitFor(() => events.some((e) => e.kind === 'restored' && e.node === follower), {
      timeoutMs: 10_000,
      what: `the restarted follower's 'restored' snapshot event`,
    });
    await waitConverged(cluster);
    expect((await cluster.node(follower).read('a7', 'stale')).value).toBe(`7:${'v'.repeat(200)}`);
    expect((await cluster.node(follower).read('b19', 'stale')).value).toBe(`19:${'v'.repeat(200)}`);

    // The whole cluster restarts from its stores: snapshots restore the state, the log does the rest.
    for (const id of cluster.ids) await cluster.kill(id);
    for (const id of cluster.ids) await cluster.restart(id);
    await cluster.waitForLeader({ timeoutMs: 5000 });
    const again = await waitConverged(cluster);
    expect(again.every((s) => s.snapshots.restoredAtStart > 0)).toBe(true);
    expect(await cluster.client().get('a149')).toBe(`149:${'v'.repeat(200)}`);
  });

  it('a node wiped and re-added catches up from a snapshot to the common state', async () => {
    const cluster = await startCluster({ nodes: 3, ...SNAPSHOTS });
    const events = collect(cluster);
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    await writeKeys(cluster, 'a', 100);
    const victim = followersOf(cluster, leader)[0];
    await cluster.kill(victim);
    rmSync(join(cluster.dataDir as string, victim), { recursive: true, force: true });
    // Its store is gone: it must leave the configuration, then join again as a new, empty member.
    await cluster.removeNode(victim);
    expect(cluster.ids).not.toContain(victim);
    await writeKeys(cluster, 'b', 100);
    // The log a new member would need is gone (snapshots are taken in the background).
    await waitFor(async () => (await status(cluster, await cluster.waitForLeader())).firstIndex > 1, {
      timeoutMs: 10_000,
      what: 'the leader to compact its log',
    });

    await cluster.addNode(victim);
    expect(cluster.ids).toContain(victim);
    const sts = await waitConverged(cluster);
    const rejoined = sts.find((s) => s.id === victim);
    expect(rejoined?.snapshots.installed).toBeGreaterThanOrEqual(1);
    expect(rejoined?.conf.voters).toContain(victim);
    expect(new Set(sts.map((s) => s.stateHash)).size).toBe(1);
    await waitFor(() => events.some((e) => e.kind === 'installed' && e.node === victim), {
      timeoutMs: 10_000,
      what: `the rejoined node's 'installed' snapshot event`,
    });
    expect((await cluster.node(victim).read('a3', 'stale')).value).toBe(`3:${'v'.repeat(200)}`);
  });

  it('rejects a corrupted snapshot chunk, keeps its old state, then installs a clean transfer', async () => {
    const cluster = await startCluster({ nodes: 3, ...SNAPSHOTS, snapshotChunkBytes: 256 });
    const events = collect(cluster);
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    await writeKeys(cluster, 'a', 20);
    const f = followersOf(cluster, leader)[0];
    await waitConverged(cluster);
    cluster.isolate(f);
    await writeKeys(cluster, 'b', 120);
    const before = await status(cluster, f);
    // Snapshots are taken in the background: wait until the leader's log no longer holds what f needs.
    await waitFor(async () => (await status(cluster, leader)).firstIndex > before.lastIndex + 1, {
      timeoutMs: 10_000,
      what: `the leader to compact past ${f}'s log`,
    });
    // Every snapshot chunk to f gets one byte flipped in transit, until we stop it.
    cluster.router.corruptSnapshotChunks({ to: f, count: 1_000_000 });
    cluster.heal();
    await waitFor(async () => (await status(cluster, f)).snapshots.rejected >= 2, {
      timeoutMs: 10_000,
      what: `${f} to reject corrupted snapshots`,
    });
    const during = await status(cluster, f);
    expect(during.snapshots.installed).toBe(0);
    expect(during.appliedIndex).toBe(before.appliedIndex);
    expect(during.stateHash).toBe(before.stateHash);
    expect(during.firstIndex).toBe(before.firstIndex);
    expect((await cluster.node(f).read('b5', 'stale')).value).toBeUndefined();
    const rejection = events.find((e) => e.kind === 'rejected' && e.node === f)?.rejection;
    expect(rejection?.reason).toBe('checksumMismatch');
    expect(rejection?.actualChecksum).not.toBe(rejection?.expectedChecksum);
    expect(cluster.router.stats().snapshotChunksCorrupted).toBeGreaterThanOrEqual(2);

    cluster.router.corruptSnapshotChunks({ to: f, count: 0 });
    const sts = await waitConverged(cluster, cluster.ids, 15_000);
    const healed = sts.find((s) => s.id === f);
    expect(healed?.snapshots.installed).toBeGreaterThanOrEqual(1);
    expect(new Set(sts.map((s) => s.stateHash)).size).toBe(1);
    expect((await cluster.node(f).read('b5', 'stale')).value).toBe(`5:${'v'.repeat(200)}`);
  });

  it('a node killed while taking or installing a snapshot restarts from a consistent store and rejoins', async () => {
    const cluster = await startCluster({
      nodes: 3,
      snapshotEntries: 15,
      snapshotCatchUpEntries: 0,
      snapshotChunkBytes: 1024,
      seed: 4,
    });
    const events = collect(cluster);
    await cluster.waitForLeader({ timeoutMs: 5000 });
    const load = startNoisyLoad(cluster, 3, 150);
    const random = seededRandom(2024);
    const restarts: NodeId[] = [];

    // Taking: snapshots are taken every ~15 entries on every node; kill one at random moments.
    for (let round = 0; round < 4; round++) {
      const taken = events.filter((e) => e.kind === 'taken').length;
      await waitFor(() => events.filter((e) => e.kind === 'taken').length > taken, {
        timeoutMs: 10_000,
        what: 'snapshot activity',
      });
      await pause(random() * 40); // lands anywhere in the next snapshot's compress / store / flush
      const victim = cluster.ids[Math.floor(random() * cluster.ids.length)];
      await cluster.kill(victim);
      await cluster.restart(victim); // the store's start-up checks run here
      restarts.push(victim);
      await cluster.waitForLeader({ timeoutMs: 10_000 });
    }

    // Installing: a follower falls behind the leader's compaction, then is killed mid-transfer or mid-install.
    for (let round = 0; round < 3; round++) {
      const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
      const f = followersOf(cluster, leader)[Math.floor(random() * 2)];
      cluster.isolate(f);
      const behind = (await status(cluster, f)).lastIndex;
      await waitFor(async () => (await status(cluster, leader)).snapshots.index > behind + 20, {
        timeoutMs: 10_000,
        what: `the leader to compact past ${f}'s log`,
      });
      const installed = (await status(cluster, f)).snapshots.installed;
      cluster.heal();
      // Kill it early in the transfer, near its last chunk (while installing), or just after the install.
      const stage = round % 3;
      await waitFor(
        async () => {
          const st = await status(cluster, f);
          const inc = st.snapshots.incoming;
          if (st.snapshots.installed > installed) return true;
          if (stage === 0) return inc !== null;
          if (stage === 1) return inc !== null && inc.receivedBytes >= inc.totalBytes - 2048;
          return false;
        },
        { timeoutMs: 10_000, intervalMs: 1, what: `${f} to receive a snapshot (stage ${stage})` },
      );
      await pause(random() * 5);
      await cluster.kill(f);
      await cluster.restart(f);
      restarts.push(f);
    }
    await load.stop();

    const sts = await waitConverged(cluster, cluster.ids, 20_000);
    expect(new Set(sts.map((s) => s.stateHash)).size).toBe(1);
    // The store never compacts past its snapshot. (Read both from the store: the node's own firstIndex
    // already counts a leader's snapshot that is being installed but not yet stored.)
    for (const s of sts) expect(s.snapshots.firstIndex).toBeLessThanOrEqual(s.snapshots.index + 1);
    // Restarted nodes came back from their stored snapshot.
    expect(events.filter((e) => e.kind === 'restored').length).toBeGreaterThanOrEqual(restarts.length - 1);
    expect(events.some((e) => e.kind === 'installed')).toBe(true);
    for (const id of cluster.ids) {
      const missing: string[] = [];
      for (const [key, value] of load.acked) {
        if ((await cluster.node(id).read(key, 'stale')).value !== value) missing.push(key);
      }
      expect(missing, `node ${id} lost acknowledged writes`).toEqual([]);
    }
    expect(load.acked.size).toBeGreaterThan(50);
    expect(cluster.alerts().filter((a) => a.severity === 'safety')).toEqual([]);
  });
});
