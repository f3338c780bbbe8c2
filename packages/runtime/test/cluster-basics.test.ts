import { encodeKvRequest, encodeMessage } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClusterClosedError,
  InvalidRequestError,
  NodeStoppedError,
  NotLeaderError,
  type StatusEvent,
  type TransitionEvent,
} from '../src/index.js';
import { seededRandom } from '../src/rng.js';
import { packFrames } from '../src/transport/frame-batch.js';
import { waitFor } from '../src/wait-for.js';
import { closeClusters, followersOf, startCluster, waitConverged } from './cluster-helpers.js';

afterEach(closeClusters);

describe('a 3-node LMDB cluster', () => {
  it('elects one leader, replicates writes to every node, and redirects a follower put', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const transitions: TransitionEvent[] = [];
    cluster.events.on('transition', (t) => transitions.push(t));
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const statuses = await cluster.statuses();
    expect(
      Object.values(statuses)
        .filter((s) => s?.role === 'leader')
        .map((s) => s?.id),
    ).toEqual([leader]);

    const follower = followersOf(cluster, leader)[0];
    const client = cluster.client({ initialNode: follower });
    await client.put('greeting', 'héllo wörld ✓');
    expect(client.stats.redirects).toBeGreaterThanOrEqual(1);
    await client.put('empty', '');
    for (let i = 0; i < 20; i++) await client.put(`k${i}`, `v${i}`);

    const sts = await waitConverged(cluster);
    expect(sts.every((s) => s.appliedIndex >= 22)).toBe(true);
    for (const id of cluster.ids) {
      const r = await cluster.node(id).read('greeting', 'stale');
      expect(r.value).toBe('héllo wörld ✓');
      expect((await cluster.node(id).read('empty', 'stale')).value).toBe('');
      expect((await cluster.node(id).read('k19', 'stale')).value).toBe('v19');
    }
    // Every node persisted the log in LMDB, with many entries per transaction at times.
    for (const s of sts) {
      expect(s.storage.kind).toBe('lmdb');
      expect(s.storage.entriesWritten).toBeGreaterThanOrEqual(22);
    }
    // A follower's proposal is refused with a hint naming the leader.
    const err = await cluster
      .node(follower)
      .propose(encodeKvRequest({ cmd: { op: 'put', key: 'x', value: 'y' } }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leaderHint).toBe(leader);
    expect(transitions.every((t) => typeof t.at === 'number' && t.node && t.to)).toBe(true);
  });

  it('gives get/put/cas/delete/append their KV meanings with strings in and out', async () => {
    const cluster = await startCluster({ nodes: 3 });
    await cluster.waitForLeader({ timeoutMs: 5000 });
    const c = cluster.client();
    expect(await c.get('missing')).toBeUndefined();
    expect(await c.cas('k', null, 'first')).toBe(true);
    expect(await c.cas('k', null, 'again')).toBe(false);
    expect(await c.cas('k', 'wrong', 'x')).toBe(false);
    expect(await c.cas('k', 'first', 'second')).toBe(true);
    expect(await c.get('k')).toBe('second');
    await c.append('k', '+tail');
    await c.append('new', 'start');
    expect(await c.get('k', { consistency: 'lease' })).toBe('second+tail');
    expect(await c.get('new', { consistency: 'linearizable' })).toBe('start');
    await c.delete('k');
    expect(await c.get('k')).toBeUndefined();
    await c.delete('never-there');
    const value = 'x'.repeat(10_000) + '\u{1F600}';
    await c.put('big', value);
    expect(await c.get('big')).toBe(value);
    await expect(c.put(42 as unknown as string, 'v')).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('rejects garbage frames at the receiving actor, counts them, and keeps working', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const victim = followersOf(cluster, leader)[0];
    const other = followersOf(cluster, leader)[1];
    const garbage = [
      new Uint8Array([0xc1]),
      new Uint8Array([0x93, 0x01, 0x02]),
      new TextEncoder().encode('definitely not msgpack'),
      new Uint8Array(0),
      new Uint8Array([0xdc, 0xff, 0xff]),
    ];
    // And 200 random byte strings (seeded).
    const random = seededRandom(99);
    for (let i = 0; i < 200; i++) {
      garbage.push(
        Uint8Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256)),
      );
    }
    for (const g of garbage) cluster.router.inject(victim, g);
    // A valid frame addressed to another node, and one lying about its sender.
    const heartbeat = { type: 'heartbeat', from: leader, to: other, term: 1, commit: 0, seq: 1 } as const;
    cluster.router.inject(victim, encodeMessage(heartbeat), leader);
    cluster.router.inject(victim, encodeMessage({ ...heartbeat, to: victim }), other);
    // Well-formed and truthful about its sender, but a message from a node to itself: RaftNode refuses it.
    cluster.router.inject(victim, encodeMessage({ ...heartbeat, from: victim, to: victim }), victim);
    // A batch whose length prefix runs past its end.
    const broken = new Uint8Array(packFrames([new Uint8Array([1, 2, 3])]));
    new DataView(broken.buffer).setUint32(0, 999, true);
    cluster.router.injectBatch(victim, broken);

    const st = await waitFor(
      async () => {
        const s = await cluster.node(victim).status();
        return s.errors.decode >= 5 &&
          s.errors.misrouted >= 1 &&
          s.errors.spoofed >= 1 &&
          s.errors.framing >= 1
          ? s
          : null;
      },
      { timeoutMs: 5000, what: 'the victim to count the bad frames' },
    );
    expect(st.errors).toMatchObject({ decode: 205, invalid: 1, misrouted: 1, spoofed: 1, framing: 1 });
    expect(st.errors.last).toBeTruthy();
    const client = cluster.client();
    await client.put('after-garbage', 'ok');
    await waitConverged(cluster);
    expect((await cluster.node(victim).read('after-garbage', 'stale')).value).toBe('ok');
    expect(cluster.alerts().filter((a) => a.severity === 'safety')).toEqual([]);
  });

  it('reports status periodically and verifies the incremental state hash on the side-work pool', async () => {
    const cluster = await startCluster({ nodes: 3, statusIntervalMs: 50 });
    await cluster.waitForLeader({ timeoutMs: 5000 });
    const c = cluster.client();
    for (let i = 0; i < 10; i++) await c.put(`h${i}`, `${i}`);
    const events: StatusEvent[] = [];
    cluster.events.on('status', (e) => events.push(e));
    await waitFor(() => events.length >= 2, { timeoutMs: 3000, what: 'two status events' });
    const last = events[events.length - 1];
    expect(Object.keys(last.nodes).sort()).toEqual([...cluster.ids].sort());
    for (const s of Object.values(last.nodes)) {
      expect(s).toMatchObject({
        role: expect.any(String),
        term: expect.any(Number),
        stateHash: expect.any(String),
      });
    }
    for (const id of cluster.ids) {
      const check = await cluster.node(id).verifyStateHash();
      expect(check.ok).toBe(true);
      expect(check.full).toBe(check.incremental);
    }
    expect(cluster.sideWork.completed).toBeGreaterThanOrEqual(3);
  });
});

describe('group commit', () => {
  it('puts many concurrent proposals into one LMDB transaction', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const before = (await cluster.node(leader).status()).storage;
    const clients = Array.from({ length: 32 }, () => cluster.client());
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; n < 10; n++) await c.put(`g${i}-${n}`, `${n}`);
      }),
    );
    const after = (await cluster.node(leader).status()).storage;
    const entries = after.entriesWritten - before.entriesWritten;
    const txns = after.batches - before.batches;
    expect(entries).toBeGreaterThanOrEqual(320);
    // 320 proposals, each waiting for its own commit: without group commit that is >= 320 transactions.
    expect(txns).toBeLessThan(entries / 2);
  });
});

describe('leadership transfer', () => {
  it('hands leadership to a chosen follower and refuses on a follower', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const [target, other] = followersOf(cluster, leader);
    await cluster.client().put('t', '1');
    await expect(cluster.node(other).transferLeadership(target)).rejects.toBeInstanceOf(NotLeaderError);
    await cluster.node(leader).transferLeadership(target);
    expect(await cluster.waitForLeader({ timeoutMs: 5000 })).toBe(target);
    const c = cluster.client();
    await c.put('t', '2');
    expect(await c.get('t')).toBe('2');
  });
});

describe('a 5-node cluster', () => {
  it('elects one leader and replicates to all five', async () => {
    const cluster = await startCluster({ nodes: 5 });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const c = cluster.client();
    for (let i = 0; i < 10; i++) await c.put(`f${i}`, `${i}`);
    const sts = await waitConverged(cluster);
    expect(sts.filter((s) => s.role === 'leader').map((s) => s.id)).toEqual([leader]);
    expect(new Set(sts.map((s) => s.stateHash)).size).toBe(1);
  });
});

describe('stopped nodes and closed clusters', () => {
  it('rejects calls on a killed or stopped node with NodeStoppedError, and serves again after restart', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const [f1, f2] = followersOf(cluster, leader);
    await cluster.client().put('before', '1');
    await cluster.kill(f1);
    await cluster.stop(f2);
    for (const id of [f1, f2]) {
      await expect(cluster.node(id).status()).rejects.toBeInstanceOf(NodeStoppedError);
      await expect(cluster.node(id).propose(new Uint8Array([1]))).rejects.toBeInstanceOf(NodeStoppedError);
      await expect(cluster.node(id).read('before', 'stale')).rejects.toBeInstanceOf(NodeStoppedError);
      await expect(cluster.node(id).transferLeadership(leader)).rejects.toBeInstanceOf(NodeStoppedError);
      expect(cluster.node(id).running).toBe(false);
    }
    await cluster.restart(f1);
    await cluster.restart(f2);
    await cluster.client().put('after', '2');
    await waitConverged(cluster);
    expect((await cluster.node(f1).read('before', 'stale')).value).toBe('1');
    expect((await cluster.node(f2).read('after', 'stale')).value).toBe('2');
    expect((await cluster.node(f1).status()).epoch).toBe(1);
  });

  it('rejects a pending call when its node is killed mid-flight', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    // Isolated, the leader cannot commit: the proposal stays pending until the kill.
    cluster.isolate(leader);
    const pending = cluster
      .node(leader)
      .propose(encodeKvRequest({ cmd: { op: 'put', key: 'p', value: 'q' } }))
      .catch((e: unknown) => e);
    await waitFor(async () => (await cluster.node(leader).status()).proposals.pending === 1, {
      timeoutMs: 2000,
      what: 'the proposal to be pending',
    });
    await cluster.kill(leader);
    expect(await pending).toBeInstanceOf(NodeStoppedError);
  });

  it('rejects everything with ClusterClosedError after close', async () => {
    const cluster = await startCluster({ nodes: 1, storage: 'memory' });
    await cluster.waitForLeader({ timeoutMs: 5000 });
    const c = cluster.client();
    await c.put('a', 'b');
    await cluster.close();
    await expect(c.get('a')).rejects.toBeInstanceOf(ClusterClosedError);
    await expect(cluster.node('n1').status()).rejects.toBeInstanceOf(ClusterClosedError);
    expect(() => cluster.client()).toThrow(ClusterClosedError);
  });
});

describe('memory storage', () => {
  it('runs a cluster and refuses to restart a memory node (it would forget its vote)', async () => {
    const cluster = await startCluster({ nodes: 3, storage: 'memory' });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    await cluster.client().put('m', '1');
    const st = await cluster.node(leader).status();
    expect(st.storage.kind).toBe('memory');
    expect(cluster.dataDir).toBeNull();
    const f = followersOf(cluster, leader)[0];
    await cluster.kill(f);
    await expect(cluster.restart(f)).rejects.toBeInstanceOf(InvalidRequestError);
  });
});
