import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, InvalidRequestError, RuntimeError } from '../src/index.js';
import { waitFor } from '../src/wait-for.js';
import { closeClusters, followersOf, startCluster } from './cluster-helpers.js';

afterEach(closeClusters);

describe('read consistency', () => {
  it('serves ReadIndex, lease and stale reads, and says which confirmed each', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    await cluster.client().put('r', '1');
    const node = cluster.node(leader);
    expect(await node.read('r', 'linearizable')).toMatchObject({ value: '1', mode: 'readIndex' });
    // The lease starts once a heartbeat round is acknowledged by a quorum of followers that
    // measured the leader's clock rate (five election timeouts of heartbeats).
    const lease = await waitFor(
      async () => {
        const r = await node.read('r', 'lease');
        return r.mode === 'lease' ? r : null;
      },
      { timeoutMs: 15_000, what: 'a lease read' },
    );
    expect(lease.value).toBe('1');
    expect(await node.read('r', 'stale')).toMatchObject({ value: '1', mode: 'stale' });
    // A follower forwards a linearizable read to the leader.
    const f = followersOf(cluster, leader)[0];
    expect(await cluster.node(f).read('r', 'linearizable')).toMatchObject({ value: '1', mode: 'readIndex' });
  });

  it("uses the lease for linearizable reads when the cluster's readMode is 'lease'", async () => {
    const cluster = await startCluster({ nodes: 3, readMode: 'lease' });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    await cluster.client().put('r', '2');
    const r = await waitFor(
      async () => {
        const x = await cluster.node(leader).read('r', 'linearizable');
        return x.mode === 'lease' ? x : null;
      },
      { timeoutMs: 15_000, what: 'a lease-served linearizable read' },
    );
    expect(r.value).toBe('2');
  });

  it('refuses lease reads without CheckQuorum', async () => {
    await expect(createCluster({ readMode: 'lease', checkQuorum: false })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    const cluster = await startCluster({ nodes: 1, checkQuorum: false, storage: 'memory' });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const err = await cluster
      .node(leader)
      .read('r', 'lease')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('CONFIG');
  });
});
