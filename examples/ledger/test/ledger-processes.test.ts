import { fileURLToPath } from 'node:url';
import { LocalProcessCluster, RaftClient } from '@raftkit/net';
import { waitFor } from '@raftkit/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import type { createLedger } from '../src/ledger.js';
import { checkLedger, type LedgerClient, openAccounts, runTransfers } from './transfer-workload.js';

const LEDGER = fileURLToPath(new URL('../dist/ledger.js', import.meta.url));

let nodes: LocalProcessCluster | null = null;
afterAll(async () => {
  await nodes?.close();
});

describe('ledger as three raftkit node processes', () => {
  it('conserves the total and applies every acknowledged transfer exactly once when the leader is killed -9', async () => {
    const n = await LocalProcessCluster.start({
      args: ['--state-machine', `${LEDGER}#createLedger`, '--tick-ms', '30', '--checkpoint-interval', '20'],
    });
    nodes = n;
    const connect = async (): Promise<LedgerClient> =>
      RaftClient.connect<typeof createLedger>({
        cluster: n.seeds,
        secret: n.secret,
        clusterId: n.clusterId,
        timeoutMs: 20_000,
        attemptTimeoutMs: 1000,
      });
    const admin = (await connect()) as RaftClient<typeof createLedger> & LedgerClient;
    await openAccounts(admin);
    const work = runTransfers(await Promise.all(Array.from({ length: 6 }, connect)));
    await waitFor(() => work.outcomes.applied.length >= 30, { timeoutMs: 30_000, what: '30 transfers' });

    const leaderOf = async () => {
      const sts = await admin.status();
      return sts.find((s) => s.report?.node?.role === 'leader')?.id ?? null;
    };
    const leader = await waitFor(leaderOf, { timeoutMs: 10_000, what: 'a leader' });
    await n.kill9(leader);
    const before = work.outcomes.applied.length;
    await waitFor(() => work.outcomes.applied.length >= before + 30, {
      timeoutMs: 30_000,
      what: '30 transfers under a new leader',
    });
    await n.restart(leader);
    const outcomes = await work.stop();

    const total = (await admin.query({ type: 'total' })) as number;
    const journal = (await admin.query({ type: 'journal' })) as string[];
    expect(checkLedger(total, journal, outcomes)).toEqual([]);
    expect(outcomes.applied.length).toBeGreaterThanOrEqual(60);
    admin.close();
  });
});
