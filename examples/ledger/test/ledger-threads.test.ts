import { fileURLToPath } from 'node:url';
import { type Cluster, createCluster, waitFor } from '@raftkit/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import type { createLedger } from '../src/ledger.js';
import { checkLedger, type LedgerClient, openAccounts, runTransfers } from './transfer-workload.js';

// Worker threads load the built module (pnpm test builds first).
const LEDGER = fileURLToPath(new URL('../dist/ledger.js', import.meta.url));

let cluster: Cluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

describe('ledger on worker threads', () => {
  it('conserves the total and applies every acknowledged transfer exactly once while the leader is killed', async () => {
    cluster = await createCluster({
      nodes: 3,
      tickMs: 15,
      stateMachine: { module: LEDGER, export: 'createLedger' },
      // Small intervals: snapshots and checkpoints happen during the run too.
      snapshotEntries: 50,
      checkpointInterval: 20,
    });
    const c = cluster;
    await c.waitForLeader({ timeoutMs: 5000 });
    const client = (): LedgerClient =>
      c.client<typeof createLedger>({ timeoutMs: 20_000, attemptTimeoutMs: 1000 });
    await openAccounts(client());
    const work = runTransfers(Array.from({ length: 6 }, client));
    await waitFor(() => work.outcomes.applied.length >= 40, { timeoutMs: 20_000, what: '40 transfers' });

    const leader = await c.waitForLeader();
    await c.kill(leader);
    const before = work.outcomes.applied.length;
    await waitFor(() => work.outcomes.applied.length >= before + 40, {
      timeoutMs: 20_000,
      what: '40 transfers under a new leader',
    });
    await c.restart(leader);
    const outcomes = await work.stop();

    const q = client();
    const total = (await q.query({ type: 'total' })) as number;
    const journal = (await q.query({ type: 'journal' })) as string[];
    expect(checkLedger(total, journal, outcomes)).toEqual([]);
    expect(outcomes.applied.length).toBeGreaterThanOrEqual(80);
    // The restarted node holds the same ledger.
    await waitFor(
      async () => {
        const sts = await Promise.all(c.ids.map((id) => c.node(id).status()));
        return sts.every((s) => s.appliedIndex === sts[0].appliedIndex && s.stateHash === sts[0].stateHash);
      },
      { timeoutMs: 10_000, what: 'the nodes to converge' },
    );
    expect((await c.node(leader).query({ type: 'total' }, 'stale')).value).toBe(total);
  });
});
