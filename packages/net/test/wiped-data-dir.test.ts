import { rmSync } from 'node:fs';
import type { SplitBrainAlert } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { RaftClient } from '../src/index.js';
import { ProcessCluster, runCli } from './support/processes.js';
import { waitFor } from './support/wait.js';

/**
 * The operator deletes a node's data directory and starts it again under the
 * same id (core README, "Identity"). Before incarnations, the empty node voted
 * as if it had never promised anything: with the one node that still held the
 * acknowledged writes down, the other two elected a leader without them and
 * every one of them was gone.
 */
describe('a data directory wiped under an old id, on three node processes', () => {
  let cluster: ProcessCluster | null = null;
  afterEach(async () => {
    await cluster?.close();
    cluster = null;
  });

  it('loses no acknowledged write: the empty node counts for nothing until it is repaired, the alert says so, and raftkit repair brings it back', async () => {
    const c = await ProcessCluster.start(3, ['--tick-ms', '50', '--election-ticks', '10']);
    cluster = c;
    const client = await c.connectClient({ timeoutMs: 20_000 });
    await client.put('warm', 'up');
    // Separate processes start unbound: the first leader records every member's incarnation.
    await waitFor(async () => (await boundMembers(client)) === 3, {
      timeoutMs: 20_000,
      what: 'every member bound to its incarnation',
    });

    await c.stop('n3');
    for (let i = 0; i < 30; i++) await client.put(`k${i}`, `v${i}`); // acknowledged by n1 and n2 only
    await c.stop('n2');
    rmSync(c.dataDir('n2'), { recursive: true, force: true });
    await c.stop('n1');

    await c.startNode('n2'); // empty, under its old id: a new incarnation
    await c.startNode('n3'); // lacks the 30 writes
    // n3 would need n2's vote; n2's new incarnation is not the one the configuration binds.
    // Watch for 20 election timeouts: no leader may appear.
    const watchUntil = performance.now() + 20 * 500;
    const seen: SplitBrainAlert[] = [];
    while (performance.now() < watchUntil) {
      const statuses = await client.status(2_000);
      for (const s of statuses) {
        expect(s.report?.node?.role, `${s.id} leads without the acknowledged writes`).not.toBe('leader');
        seen.push(...(s.report?.alerts ?? []));
      }
      await new Promise((r) => setTimeout(r, 250));
    }

    await c.startNode('n1');
    for (let i = 0; i < 30; i++) expect(await client.get(`k${i}`)).toBe(`v${i}`);

    // Somebody (a candidate, or the new leader) named n2 and the repair to run.
    await waitFor(
      async () => {
        const alerts = [...seen, ...(await client.status(2_000)).flatMap((s) => s.report?.alerts ?? [])];
        return alerts.find(
          (a) =>
            a.kind === 'identityConflict' &&
            a.nodes.includes('n2') &&
            a.message.includes('raftkit repair n2'),
        );
      },
      { timeoutMs: 20_000, what: 'an identityConflict alert naming n2 and the repair' },
    );

    // The repair the alert names: n2 leaves, comes back as a fresh member bound to its new store.
    const repaired = await runCli(['repair', 'n2', ...c.clientArgs()], 90_000);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/^n2 repaired: state hash [0-9a-f]+ at index \d+/);
    const statuses = await client.status(2_000);
    const n2 = statuses.find((s) => s.id === 'n2')!.report!.node!;
    const leader = statuses.find((s) => s.report?.node?.role === 'leader')!.report!.node!;
    expect(leader.conf.voters).toContain('n2');
    expect(leader.conf.incarnations?.n2).toBe(n2.incarnation);
    for (let i = 0; i < 30; i++) expect(await client.get(`k${i}`)).toBe(`v${i}`);
  });
});

/** How many members the leader's configuration binds to an incarnation (0 without a leader). */
async function boundMembers(client: RaftClient): Promise<number> {
  const statuses = await client.status(2_000);
  const leader = statuses.find((s) => s.report?.node?.role === 'leader')?.report?.node;
  return Object.keys(leader?.conf.incarnations ?? {}).length;
}
