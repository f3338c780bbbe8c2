import { existsSync } from 'node:fs';
import type { RuntimeNodeStatus } from '@raftkit/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import type { RaftClient } from '../src/index.js';
import { ProcessCluster, runCli } from './support/processes.js';
import { waitFor } from './support/wait.js';

const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/**
 * A leader whose clock runs slow beyond the lease's drift bound (libfaketime
 * x0.8 on its process; the bound with 10 election ticks and 1 tick of drift is
 * x0.9) served stale lease reads once cut off. Its followers time its
 * heartbeats: it never gets a lease, lease reads fall back to ReadIndex, and
 * an alert names the node and the measured rate.
 */
describe.skipIf(!existsSync(FAKETIME_LIB))('a leader whose clock runs slow (libfaketime x0.8)', () => {
  let cluster: ProcessCluster | null = null;
  afterEach(async () => {
    await cluster?.close();
    cluster = null;
  });

  it('gets no lease, is reported with its measured rate, and a leader with a sound clock does get one', async () => {
    const c = await ProcessCluster.start(3, ['--tick-ms', '20', '--election-ticks', '10'], {
      perNode: (id) =>
        id === 'n1' ? { env: { ...process.env, LD_PRELOAD: FAKETIME_LIB, FAKETIME: '+0s x0.8' } } : {},
    });
    cluster = c;
    const client = await c.connectClient({ timeoutMs: 20_000 });
    await client.put('k', 'v');
    const lead = async (id: string) => {
      const r = await runCli(['transfer-leader', '--to', id, ...c.clientArgs()], 30_000);
      expect(r.code, r.stderr).toBe(0);
      await waitFor(async () => (await node(client, id))?.role === 'leader', {
        timeoutMs: 20_000,
        what: `${id} to lead`,
      });
    };

    await lead('n1');
    const alert = await waitFor(
      async () =>
        (await client.status(2_000))
          .flatMap((s) => s.report?.alerts ?? [])
          .find((a) => a.kind === 'clockSkew' && a.nodes[0] === 'n1'),
      { timeoutMs: 20_000, what: 'a clockSkew alert naming n1' },
    );
    expect(alert.message).toMatch(/clock of leader n1 runs at 0\.[78]\d*x the clock of n[23]/);
    // Measured and out of bound: for as long as it leads, no lease (reads go by ReadIndex).
    for (let i = 0; i < 10; i++) {
      const st = await node(client, 'n1');
      if (st?.role !== 'leader') break;
      expect(st.lease, 'n1 holds a lease').toBeNull();
      expect(Object.values(st.clock.rates).every((r) => r < st.clock.minRate)).toBe(true);
      expect(await client.get('k', { consistency: 'lease' })).toBe('v'); // served, by a quorum round
      await new Promise((r) => setTimeout(r, 200));
    }

    // Control: a leader on the real clock gets its lease once its followers measured it.
    await lead('n2');
    await waitFor(async () => (await node(client, 'n2'))?.lease ?? null, {
      timeoutMs: 20_000,
      what: 'n2 (sound clock) to hold a lease',
    });
  });
});

async function node(client: RaftClient, id: string): Promise<RuntimeNodeStatus | null> {
  const s = (await client.status(2_000)).find((x) => x.id === id);
  return s?.report?.node ?? null;
}
