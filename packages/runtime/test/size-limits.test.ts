import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, createCluster, TooLargeError } from '../src/index.js';
import { splitBatches } from '../src/transport/frame-batch.js';
import { waitFor } from '../src/wait-for.js';

/** Requests and batches against the size limits a host sets (a TCP frame limit, for @raftkit/net). */
describe('size limits', () => {
  const open: Cluster[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  it('splitBatches keeps the order and every run within the bound; a frame above it travels alone', () => {
    const f = (n: number) => new Uint8Array(n);
    const runs = splitBatches([f(10), f(10), f(50), f(10), f(200), f(1)], 40);
    expect(runs.map((r) => r.map((x) => x.length))).toEqual([[10, 10], [50], [10], [200], [1]]);
    for (const run of runs)
      if (run.length > 1) expect(run.reduce((s, x) => s + 4 + x.length, 0)).toBeLessThanOrEqual(40);
    expect(splitBatches([], 40)).toEqual([]);
  });

  it('a proposal above maxProposalBytes is a TooLargeError at once, never retried', async () => {
    const cluster = await createCluster({ nodes: 3, storage: 'memory', tickMs: 10, maxProposalBytes: 4096 });
    open.push(cluster);
    await cluster.waitForLeader();
    const client = cluster.client({ timeoutMs: 20_000 });
    await client.put('small', 'x'.repeat(1000));
    // Counted from here: the first put may have been redirected or retried on a loaded machine.
    const retriesBefore = client.stats.retries;
    const t0 = performance.now();
    const attempt = client.put('big', 'x'.repeat(10_000));
    await expect(attempt).rejects.toBeInstanceOf(TooLargeError);
    await expect(attempt).rejects.toThrow(/above the limit of 4096 bytes/);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(client.stats.retries - retriesBefore).toBe(0);
  });

  it('with batches bounded to a few KiB, a lagging follower catches up on larger entries', async () => {
    const cluster = await createCluster({
      nodes: 3,
      storage: 'memory',
      tickMs: 10,
      maxBatchBytes: 4096,
      maxBytesPerMsg: 2048,
    });
    open.push(cluster);
    const leader = await cluster.waitForLeader();
    const lagging = cluster.ids.find((id) => id !== leader)!;
    cluster.isolate(lagging);
    const client = cluster.client();
    for (let i = 0; i < 40; i++) await client.put(`k${i}`, 'v'.repeat(3000));
    cluster.heal();
    const target = (await cluster.node(leader).status()).commitIndex;
    await waitFor(async () => (await cluster.node(lagging).status()).appliedIndex >= target, {
      timeoutMs: 20_000,
      what: `${lagging} to catch up`,
    });
  });
});
