import { afterEach, describe, expect, it } from 'vitest';
import { NotLeaderError, TimeoutError } from '../src/index.js';
import { closeClusters, followersOf, startCluster, waitConverged } from './cluster-helpers.js';

afterEach(closeClusters);

describe('RaftClient retries', () => {
  it('applies a retried write exactly once (client sessions)', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    // Every message is delayed 40 ms, so a commit takes ~80 ms: an attempt
    // timeout of 30 ms gives up on every first try after the entry was appended.
    cluster.setLinkFaults({ delayMs: 40 });
    const client = cluster.client({ attemptTimeoutMs: 30, timeoutMs: 10_000, initialNode: leader });
    await client.append('log', 'a');
    await client.append('log', 'b');
    await client.append('log', 'c');
    expect(client.stats.retries).toBeGreaterThanOrEqual(3);
    cluster.heal();
    expect(await client.get('log')).toBe('abc');
    const sts = await waitConverged(cluster);
    for (const s of sts) expect((await cluster.node(s.id).read('log', 'stale')).value).toBe('abc');
    // More log entries than appends: the retries were proposed again, and ignored when applied.
    expect(sts[0].lastIndex).toBeGreaterThan(4);
  });

  it('a client pinned to a follower gets NotLeaderError with the leader hint, without retrying', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const follower = followersOf(cluster, leader)[0];
    const pinned = cluster.client({ via: follower });
    const err = await pinned.put('k', 'v').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leaderHint).toBe(leader);
    expect(pinned.stats.retries).toBe(0);
    // Stale reads are served by the follower itself.
    expect(await pinned.get('k', { consistency: 'stale' })).toBeUndefined();
  });

  it('times out with TimeoutError (outcome unknown) when no quorum is reachable', async () => {
    const cluster = await startCluster({ nodes: 3 });
    await cluster.waitForLeader({ timeoutMs: 5000 });
    cluster.partition([['n1'], ['n2'], ['n3']]);
    const client = cluster.client({ timeoutMs: 800, attemptTimeoutMs: 200 });
    const err = await client.put('k', 'v').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).message).toMatch(/outcome unknown/);
  });
});
