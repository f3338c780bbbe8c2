import { NotLeaderError } from '@raftkit/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClusterSecret,
  ConnectionRejectedError,
  NetConfigError,
  NodeChannel,
  RaftClient,
  RaftkitNode,
} from '../src/index.js';
import { SECRET } from './support/cluster.js';
import { InProcessCluster } from './support/nodes.js';
import { waitFor } from './support/wait.js';

let cluster: InProcessCluster | null = null;
const clients: RaftClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await cluster?.close();
  cluster = null;
});

async function client(seeds: string, extra: Partial<Parameters<typeof RaftClient.connect>[0]> = {}) {
  const c = await RaftClient.connect({ cluster: seeds, secret: SECRET, clusterId: 'test', ...extra });
  clients.push(c);
  return c;
}

describe('nodes over TCP (in-process, actors on workers)', () => {
  it('elects, replicates, redirects a client from a follower, and reports status and metrics', async () => {
    cluster = await InProcessCluster.start(3, { metricsPort: 0 });
    const leader = await cluster.leader();
    const follower = cluster.ids.find((id) => id !== leader)!;
    const addr = cluster.addresses.get(follower)!;
    // Only the follower's address: the client learns the members and follows the redirect.
    const c = await client(`${addr.host}:${addr.port}`);
    expect([...c.members]).toEqual(['n1', 'n2', 'n3']);
    await c.put('k', 'v1');
    expect(await c.get('k')).toBe('v1');
    expect(await c.cas('k', 'v1', 'v2')).toBe(true);
    expect(await c.cas('k', 'v1', 'v3')).toBe(false);
    expect(await c.get('k')).toBe('v2');
    expect(await c.cas('new', null, 'x')).toBe(true);
    await c.delete('k');
    expect(await c.get('k')).toBeUndefined();
    expect(await c.get('k', { consistency: 'stale' })).toBeUndefined();
    await c.append('log', 'a');
    await c.append('log', 'b');
    expect(await c.get('log')).toBe('ab');

    // Every node has applied the same state.
    await waitFor(async () => {
      const st = await Promise.all([...cluster!.nodes.values()].map((n) => n.actor.status()));
      return new Set(st.map((s) => `${s.appliedIndex}:${s.stateHash}`)).size === 1;
    });

    const statuses = await c.status();
    expect(statuses.map((s) => s.id)).toEqual(['n1', 'n2', 'n3']);
    for (const s of statuses) {
      expect(s.report?.node?.leader).toBe(leader);
      expect(s.report?.peers).toHaveLength(2);
    }
    await waitFor(async () =>
      (await c.status()).every((s) =>
        s.report?.peers.every((p) => p.health === 'healthy' && p.udp?.rtt && p.tcp.rtt),
      ),
    );

    const leaderNode = cluster.nodes.get(leader)!;
    const url = `http://127.0.0.1:${leaderNode.metricsAddress!.port}/metrics`;
    const text = await waitFor(async () => {
      const body = await (await fetch(url)).text();
      return /raftkit_proposals_committed_total [1-9]/.test(body) ? body : null;
    });
    expect(text).toMatch(/raftkit_role\{role="leader"\} 1/);
    expect(text).toMatch(/raftkit_term [1-9]/);
    expect(text).toMatch(/raftkit_commit_index [1-9]/);
    expect(text).toMatch(/raftkit_applied_index [1-9]/);
    expect(text).toMatch(/raftkit_elections_total/);
    expect(text).toMatch(/raftkit_peer_rtt_ms\{peer="n\d",channel="tcp"\}/);
    expect(text).toMatch(/raftkit_peer_health\{peer="n\d"\} 2/);
    expect(text).toMatch(/raftkit_net_rejected_connections_total/);
    const status = await (await fetch(`http://127.0.0.1:${leaderNode.metricsAddress!.port}/status`)).json();
    expect(status.node.role).toBe('leader');
  });

  it("hosts its one node in the runtime's cluster, with the events of every tick and the side-work pool", async () => {
    cluster = await InProcessCluster.start(3);
    const leader = await cluster.leader();
    const node = cluster.nodes.get('n2')!;
    // createCluster({ nodes, local: [id] }): every id is a voter, only this one runs here.
    expect(node.cluster.ids).toEqual(['n1', 'n2', 'n3']);
    expect(node.cluster.localIds).toEqual(['n2']);
    expect(node.router).toBe(node.cluster.router);

    // Subscribed between create() and start(): each node's events start at term 0, and the
    // winner's whole way to leadership is there.
    const term = (await cluster.nodes.get(leader)!.actor.status()).term;
    for (const id of cluster.ids) expect(cluster.transitions.find((t) => t.node === id)?.term).toBe(0);
    expect(cluster.transitions.some((t) => t.to === 'preCandidate' && t.term === 0)).toBe(true);
    expect(cluster.transitions).toContainEqual(
      expect.objectContaining({ node: leader, to: 'leader', term, reason: 'voteWon' }),
    );
    expect(new Set(cluster.observations.map((o) => o.node))).toEqual(new Set(cluster.ids));

    // Later subscribers get status and observations too.
    const status = await new Promise<unknown>((resolve) =>
      node.events.once('status', (s) => resolve(s.nodes.n2)),
    );
    expect(status).toMatchObject({ id: 'n2', term });

    // The state-hash check runs on the node's side-work pool.
    const c = await client(cluster.seeds);
    await c.put('k', 'v');
    const check = await cluster.nodes.get(leader)!.actor.verifyStateHash();
    expect(check).toMatchObject({ ok: true });
    expect(check.full).toBe(check.incremental);
  });

  it('a stopped follower restarts from its data dir and catches up; writes continue meanwhile', async () => {
    cluster = await InProcessCluster.start(3);
    const leader = await cluster.leader();
    const c = await client(cluster.seeds);
    for (let i = 0; i < 20; i++) await c.put(`k${i}`, `v${i}`);
    const follower = cluster.ids.find((id) => id !== leader)!;
    await cluster.stopNode(follower);
    for (let i = 20; i < 40; i++) await c.put(`k${i}`, `v${i}`);
    const restarted = await cluster.startNode(follower);
    const leaderStatus = await cluster.nodes.get(leader)!.actor.status();
    await waitFor(async () => (await restarted.actor.status()).appliedIndex >= leaderStatus.commitIndex, {
      what: 'restarted follower catches up',
    });
    // Its own state has everything (a stale read served by that node alone).
    const pinned = await client(
      `${cluster.addresses.get(follower)!.host}:${cluster.addresses.get(follower)!.port}`,
    );
    const st = await restarted.actor.status();
    expect(st.epoch).toBe(1);
    const value = await restarted.actor.read('k39', 'stale');
    expect(value.value).toBe('v39');
    expect(await pinned.get('k0')).toBe('v0');
  });

  it("refuses to start a node on another node's data dir", async () => {
    cluster = await InProcessCluster.start(3);
    await cluster.leader();
    const wrong = { ...cluster.options('n2'), dataDir: cluster.options('n1').dataDir };
    await cluster.stopNode('n2');
    await expect(RaftkitNode.start(wrong)).rejects.toBeInstanceOf(NetConfigError);
  });

  it('a client with the wrong secret gets a typed error at once, not endless retries', async () => {
    cluster = await InProcessCluster.start(3);
    const started = Date.now();
    const attempt = RaftClient.connect({
      cluster: cluster.seeds,
      secret: 'not-the-secret-0123456789',
      clusterId: 'test',
    });
    await expect(attempt).rejects.toBeInstanceOf(ConnectionRejectedError);
    await expect(attempt).rejects.toMatchObject({ reason: 'badAuth' });
    expect(Date.now() - started).toBeLessThan(3000);
    const wrongCluster = RaftClient.connect({ cluster: cluster.seeds, secret: SECRET, clusterId: 'other' });
    await expect(wrongCluster).rejects.toMatchObject({ reason: 'wrongCluster' });
  });

  it('typed NotLeaderError from a pinned node reaches the client through the wire', async () => {
    cluster = await InProcessCluster.start(3);
    const leader = await cluster.leader();
    const follower = cluster.ids.find((id) => id !== leader)!;
    const channel = new NodeChannel({
      address: cluster.addresses.get(follower)!,
      secret: ClusterSecret.from(SECRET),
      clusterId: 'test',
    });
    try {
      const attempt = channel.request({ op: 'propose', data: new Uint8Array([1]) });
      await expect(attempt).rejects.toBeInstanceOf(NotLeaderError);
      await expect(attempt).rejects.toMatchObject({ leaderHint: leader, nodeId: follower });
      expect(channel.nodeId).toBe(follower);
    } finally {
      channel.close();
    }
  });
});
