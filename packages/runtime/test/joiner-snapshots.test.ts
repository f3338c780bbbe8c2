import { join } from 'node:path';
import type { ConfState } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { initialConfFloor } from '../src/actor/snapshot-keeper.js';
import type { Cluster, MembershipEvent, SnapshotEvent } from '../src/index.js';
import { LmdbStorage } from '../src/storage/lmdb-storage.js';
import { closeClusters, startCluster, waitConverged } from './cluster-helpers.js';
import { entry, tempDir } from './helpers.js';

afterEach(closeClusters);

async function writeKeys(cluster: Cluster, n: number): Promise<void> {
  const clients = Array.from({ length: 4 }, () => cluster.client());
  await Promise.all(
    clients.map(async (c, k) => {
      for (let i = k; i < n; i += clients.length) await c.put(`k${i}`, `v${i}`);
    }),
  );
}

const sorted = (c: ConfState) => ({ voters: [...c.voters].sort(), learners: [...c.learners].sort() });

describe('snapshots of a node that joined a running cluster', () => {
  it('takes none before its own addLearner entry, and records the membership in force', async () => {
    // The leader keeps its whole log (no compaction), so the joiner catches up from entries
    // (256 per message), not from a snapshot; with snapshotEntries 40 its snapshot policy
    // fires long before it reaches the index at which it was added.
    const cluster = await startCluster({
      nodes: 3,
      seed: 767,
      snapshotEntries: 40,
      snapshotCatchUpEntries: 100_000,
    });
    const taken: SnapshotEvent[] = [];
    const changes: MembershipEvent[] = [];
    cluster.events.on('snapshot', (e) => {
      if (e.node === 'n4' && e.kind === 'taken') taken.push(e);
    });
    cluster.events.on('membership', (e) => changes.push(e));
    await cluster.waitForLeader({ timeoutMs: 5000 });
    await writeKeys(cluster, 1500);

    expect(await cluster.addNode()).toBe('n4');
    await writeKeys(cluster, 100);
    const [st4] = await waitConverged(cluster, ['n4', 'n1', 'n2', 'n3'], 10_000);
    expect(st4.snapshots.installed, 'n4 caught up from the log').toBe(0);

    const added = changes.find((c) => c.node === 'n4' && c.change === 'learnerAdded');
    const promoted = changes.find((c) => c.node === 'n4' && c.change === 'promoted');
    if (!added || !promoted) throw new Error('n4 was not added and promoted');
    expect(added.index).toBeGreaterThan(1500);
    expect(taken.length, 'n4 took snapshots').toBeGreaterThan(0);
    // Below its addLearner entry n4's core would answer with its join-time configuration.
    expect(taken.map((e) => e.index).filter((i) => i < added.index)).toEqual([]);

    // The stored snapshot's metadata names the configuration in force at its index.
    await cluster.stop('n4');
    const store = LmdbStorage.open({
      path: join(cluster.dataDir as string, 'n4'),
      nodeId: 'n4',
      mode: 'mustExist',
    });
    try {
      const snap = store.snapshot();
      if (!snap) throw new Error('n4 has no stored snapshot');
      expect(snap.meta.index).toBe(taken[taken.length - 1].index);
      const inForce =
        snap.meta.index >= promoted.index
          ? { voters: ['n1', 'n2', 'n3', 'n4'], learners: [] }
          : { voters: ['n1', 'n2', 'n3'], learners: ['n4'] };
      expect(sorted(snap.meta.conf)).toEqual(inForce);
    } finally {
      await store.close();
    }
  }, 20_000);
});

describe('initialConfFloor: a joiner is recognised at every start from its store', () => {
  const voters = ['n1', 'n2', 'n3'];
  const asJoiner = { voters, learners: ['n4'] };
  // What a restart by a process that no longer knows n4 joined would pass: n4 as a plain voter.
  const forgotten = { voters: [...voters, 'n4'], learners: [] };

  it('joiner: +Infinity until it has a snapshot, then the snapshot index; initial voter: 0', async () => {
    const dir = tempDir('raftkit-floor-');
    const path = join(dir.path, 'n4');
    try {
      let s = LmdbStorage.open({ path, nodeId: 'n4', mode: 'createIfMissing', bootstrapConf: asJoiner });
      expect(initialConfFloor(s, 'n4', asJoiner)).toBe(Number.POSITIVE_INFINITY);
      await s.persist({
        hardState: { term: 1, vote: null, commit: 30 },
        entries: Array.from({ length: 30 }, (_, k) => entry(k + 1, 1)),
        snapshot: null,
      });
      await s.close();
      s = LmdbStorage.open({ path, nodeId: 'n4', mode: 'mustExist' });
      expect(initialConfFloor(s, 'n4', forgotten), 'restarted joiner, no snapshot').toBe(
        Number.POSITIVE_INFINITY,
      );
      // A snapshot taken with fewer entries behind it than snapshotCatchUpEntries: nothing compacted.
      s.createSnapshot(25, { voters, learners: ['n4'] }, new Uint8Array([1]));
      await s.flush();
      await s.close();
      s = LmdbStorage.open({ path, nodeId: 'n4', mode: 'mustExist' });
      expect(s.firstIndex(), 'an uncompacted log reopens from 1').toBe(1);
      expect(initialConfFloor(s, 'n4', forgotten), 'restarted joiner with a snapshot').toBe(25);
      await s.close();

      const v = LmdbStorage.open({
        path: join(dir.path, 'n1'),
        nodeId: 'n1',
        mode: 'createIfMissing',
        bootstrapConf: { voters, learners: [] },
      });
      expect(initialConfFloor(v, 'n1', { voters, learners: [] }), 'initial voter').toBe(0);
      await v.close();
    } finally {
      dir.remove();
    }
  });
});
