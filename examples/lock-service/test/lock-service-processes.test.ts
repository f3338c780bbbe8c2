import { fileURLToPath } from 'node:url';
import { LocalProcessCluster, RaftClient } from '@raftkit/net';
import { waitFor } from '@raftkit/runtime';
import { afterAll, describe, it } from 'vitest';
import type { createLockService } from '../src/lock-service.js';
import { fencingScenario } from './fencing-scenario.js';

const LOCKS = fileURLToPath(new URL('../dist/lock-service.js', import.meta.url));

let nodes: LocalProcessCluster | null = null;
const clients: RaftClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  await nodes?.close();
});

describe('lock service as three raftkit node processes', () => {
  it('fences a holder that lost its lease, with the leader killed -9 in the middle', async () => {
    const n = await LocalProcessCluster.start({
      args: ['--state-machine', `${LOCKS}#createLockService`, '--tick-ms', '30'],
    });
    nodes = n;
    const connect = async () => {
      const c = await RaftClient.connect<typeof createLockService>({
        cluster: n.seeds,
        secret: n.secret,
        clusterId: n.clusterId,
        timeoutMs: 20_000,
        attemptTimeoutMs: 1000,
      });
      clients.push(c as RaftClient);
      return c;
    };
    const alice = await connect();
    const bob = await connect();
    await fencingScenario(alice, bob, async () => {
      const leader = await waitFor(
        async () => (await alice.status()).find((s) => s.report?.node?.role === 'leader')?.id,
        { timeoutMs: 10_000, what: 'a leader' },
      );
      await n.kill9(leader);
    });
  });
});
