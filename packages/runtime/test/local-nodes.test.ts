import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeId } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Cluster,
  createCluster,
  InvalidRequestError,
  type Link,
  type ObservationData,
  StorageError,
  type TransitionEvent,
} from '../src/index.js';
import { waitFor } from '../src/wait-for.js';
import { closeClusters, FAST, startCluster } from './cluster-helpers.js';
import { tempDir } from './helpers.js';

afterEach(closeClusters);

/** A link that hands frames straight to another in-process cluster's router (a stand-in for TCP). */
function bridgeTo(other: () => Cluster): Link {
  return { deliver: (from, to, batch) => other().router.send(from, to, batch) };
}

describe('createCluster({ start: false }) then cluster.start()', () => {
  it('lets listeners see every event from the first tick, including the first election', async () => {
    const cluster = await startCluster({ nodes: 3, storage: 'memory', start: false });
    expect(cluster.isRunning('n1')).toBe(false);
    const transitions: TransitionEvent[] = [];
    const observations: ObservationData[] = [];
    const started: NodeId[] = [];
    cluster.events.on('transition', (t) => transitions.push(t));
    cluster.events.on('observation', (o) => observations.push(o));
    cluster.events.on('node', (n) => {
      if (n.event === 'started') started.push(n.node);
    });
    await cluster.start();
    expect([...started].sort()).toEqual(['n1', 'n2', 'n3']);
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const term = (await cluster.node(leader).status()).term;

    // Nothing was missed: every node's first transition is from term 0, the first pre-campaign
    // (term 0) is there, and the winner's path runs unbroken from its initial role to leader.
    for (const id of ['n1', 'n2', 'n3']) expect(transitions.find((t) => t.node === id)?.term).toBe(0);
    expect(transitions.some((t) => t.to === 'preCandidate' && t.term === 0)).toBe(true);
    const path = transitions.filter((t) => t.node === leader && t.term <= term);
    expect(path[0].from).toBe('follower');
    expect(path.at(-1)).toMatchObject({ to: 'leader', term });
    for (let i = 1; i < path.length; i++) expect(path[i].from).toBe(path[i - 1].to);
    // Every node pushed observations, and the first ones predate the election.
    expect(new Set(observations.map((o) => o.node))).toEqual(new Set(['n1', 'n2', 'n3']));
    expect(observations.some((o) => o.term === 0)).toBe(true);

    await expect(cluster.start()).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('a cluster that is never started closes cleanly', async () => {
    const cluster = await createCluster({ ...FAST, nodes: 3, start: false });
    const dir = cluster.dataDir as string;
    await expect(cluster.node('n1').status()).rejects.toMatchObject({ code: 'NODE_STOPPED' });
    await cluster.close();
    expect(existsSync(dir)).toBe(false);
    await expect(cluster.start()).rejects.toMatchObject({ code: 'CLUSTER_CLOSED' });
  });
});

describe('createCluster({ local }): a process hosting some of the nodes', () => {
  it('two processes-worth of nodes bridged by links elect one leader and replicate', async () => {
    const ids = ['n1', 'n2', 'n3'];
    let a: Cluster | null = null;
    let b: Cluster | null = null;
    // Both start unstarted so the links exist before the first frame leaves.
    a = await startCluster({ nodes: ids, local: ['n1', 'n2'], storage: 'memory', start: false });
    b = await startCluster({ nodes: ids, local: ['n3'], storage: 'memory', start: false });
    a.router.addLink(
      ['n3'],
      bridgeTo(() => b as Cluster),
    );
    b.router.addLink(
      ['n1', 'n2'],
      bridgeTo(() => a as Cluster),
    );
    await Promise.all([a.start(), b.start()]);

    expect(a.ids).toEqual(ids);
    expect(a.localIds).toEqual(['n1', 'n2']);
    expect(b.localIds).toEqual(['n3']);
    expect(a.isLocal('n3')).toBe(false);
    expect(a.isRunning('n3')).toBe(false);
    expect(() => a.node('n3')).toThrow(/not hosted by this process/);
    expect(() => a.node('n9')).toThrow(/unknown node n9/);
    await expect(a.kill('n3')).rejects.toBeInstanceOf(InvalidRequestError);
    expect(() => b.client()).toThrow(/pin the client to a local node/);

    // Both processes name the same leader (polled together: an election may happen in between).
    const leaderA = await waitFor(
      async () => {
        const l = await a.waitForLeader({ timeoutMs: 5000 });
        return l === (await b.waitForLeader({ timeoutMs: 5000 })) ? l : null;
      },
      { timeoutMs: 10_000, what: 'both processes to agree on the leader' },
    );
    expect(Object.keys(await a.statuses()).sort()).toEqual(['n1', 'n2']);
    expect(Object.keys(await b.statuses())).toEqual(['n3']);

    // Write through the leader's own process, read it on every node of both.
    const owner = a.isLocal(leaderA) ? a : b;
    const client = owner.client({ via: leaderA });
    for (let i = 0; i < 10; i++) await client.put(`k${i}`, `v${i}`);
    await waitFor(
      async () => {
        for (const [c, id] of [
          [a, 'n1'],
          [a, 'n2'],
          [b, 'n3'],
        ] as const) {
          if ((await c.node(id).read('k9', 'stale')).value !== 'v9') return false;
        }
        return true;
      },
      { timeoutMs: 5000, what: 'k9 on every node' },
    );

    // The fault table works for remote ids: cutting n3 off in its own process isolates it.
    const statusB = await b.node('n3').status();
    b.isolate('n3');
    if (leaderA === 'n3') {
      await waitFor(async () => (await b.node('n3').status()).role !== 'leader', {
        timeoutMs: 5000,
        what: 'n3 to step down',
      });
    } else {
      await client.put('after-cut', 'x');
      const st = await b.node('n3').status();
      expect(st.commitIndex).toBeLessThan((await owner.node(leaderA).status()).commitIndex);
      expect(st.term).toBe(statusB.term);
    }
  });

  it('starts a local node from nodeOptions: store path, must-exist, first epoch', async () => {
    const dir = tempDir();
    try {
      const missing = createCluster({
        ...FAST,
        nodes: ['n1', 'n2', 'n3'],
        local: ['n1'],
        dataDir: dir.path,
        nodeOptions: { n1: { storePath: 'store-n1', mustExist: true } },
      });
      await expect(missing).rejects.toBeInstanceOf(StorageError);
      await expect(missing).rejects.toMatchObject({ kind: 'missing' });
      await expect(missing).rejects.toThrow(join(dir.path, 'store-n1'));

      const c = await startCluster({
        nodes: ['n1', 'n2', 'n3'],
        local: ['n1'],
        dataDir: dir.path,
        nodeOptions: { n1: { storePath: 'store-n1', epoch: 4 } },
      });
      const st = await c.node('n1').status();
      expect(st.epoch).toBe(4);
      expect(st.conf.voters).toEqual(['n1', 'n2', 'n3']);
      expect(existsSync(join(dir.path, 'store-n1'))).toBe(true);
      await c.stop('n1');
      await c.restart('n1');
      expect((await c.node('n1').status()).epoch).toBe(5);
    } finally {
      await closeClusters();
      dir.remove();
    }
  });

  it('rejects local and nodeOptions that do not fit the cluster', async () => {
    await expect(createCluster({ nodes: 3, local: ['n4'] })).rejects.toThrow(
      /not one of the cluster's nodes/,
    );
    await expect(createCluster({ nodes: 3, local: [] })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(createCluster({ nodes: 3, local: ['n1', 'n1'] })).rejects.toThrow(/duplicate/);
    await expect(createCluster({ nodes: 3, local: ['n1'], nodeOptions: { n2: {} } })).rejects.toThrow(
      /not a local node/,
    );
    await expect(
      createCluster({ nodes: 3, storage: 'memory', nodeOptions: { n1: { mustExist: true } } }),
    ).rejects.toThrow(/need lmdb storage/);
    await expect(createCluster({ nodes: 3, nodeOptions: { n1: { epoch: -1 } } })).rejects.toThrow(/epoch/);
  });
});
