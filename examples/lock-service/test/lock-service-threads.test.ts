import { fileURLToPath } from 'node:url';
import { type Cluster, createCluster } from '@raftkit/runtime';
import { afterEach, describe, it } from 'vitest';
import type { createLockService } from '../src/lock-service.js';
import { fencingScenario } from './fencing-scenario.js';

// Worker threads load the built module (pnpm test builds first).
const LOCKS = fileURLToPath(new URL('../dist/lock-service.js', import.meta.url));

let cluster: Cluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

describe('lock service on worker threads', () => {
  it('grants leases in log time and fences a holder that lost its lease, across a leader change', async () => {
    cluster = await createCluster({
      nodes: 3,
      tickMs: 15,
      storage: 'memory',
      stateMachine: { module: LOCKS, export: 'createLockService' },
    });
    const c = cluster;
    await c.waitForLeader({ timeoutMs: 5000 });
    const alice = c.client<typeof createLockService>();
    const bob = c.client<typeof createLockService>();
    await fencingScenario(alice, bob, async () => {
      // Leadership moves: leases are in log entries, not in any node's clock, so nothing changes.
      const leader = await c.waitForLeader();
      await c.node(leader).transferLeadership(c.ids.find((id) => id !== leader)!);
    });
  });
});
