import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { closeClusters, startCluster, waitConverged } from './cluster-helpers.js';

afterEach(closeClusters);

const COUNTERS = fileURLToPath(new URL('./fixtures/counter-machine.mjs', import.meta.url));
const enc = (s: string) => new TextEncoder().encode(s);

describe('a custom state machine loaded from a module path', () => {
  it('replicates, answers proposals with its own results, serves reads and verifies its hash', async () => {
    const cluster = await startCluster({
      nodes: 3,
      stateMachine: { module: COUNTERS, options: { start: 100 } },
    });
    const leader = await cluster.waitForLeader({ timeoutMs: 5000 });
    const node = cluster.node(leader);
    expect(await node.propose(enc('a:5'))).toBe(105);
    expect(await node.propose(enc('a:-2'))).toBe(103);
    expect(await node.propose(enc('b:1'))).toBe(101);
    const sts = await waitConverged(cluster);
    for (const s of sts) {
      expect((await cluster.node(s.id).read('a', 'stale')).value).toBe(103);
    }
    expect((await node.read('b', 'linearizable')).value).toBe(101);
    const check = await node.verifyStateHash();
    expect(check).toMatchObject({ ok: true });
    expect(check.full).toBe(check.incremental);
  });
});
