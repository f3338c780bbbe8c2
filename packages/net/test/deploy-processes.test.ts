import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TooLargeError } from '@raftkit/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RaftClient } from '../src/index.js';
import { freePorts } from './support/cluster.js';
import { ProcessCluster, runCli } from './support/processes.js';
import { waitFor } from './support/wait.js';

/**
 * Deployment mistakes against three `raftkit node` OS processes on loopback
 * (the deployment review's findings, reproduced on real processes).
 */
describe('deployment safety: three node processes', () => {
  let cluster: ProcessCluster;
  let client: RaftClient;

  beforeAll(async () => {
    cluster = await ProcessCluster.start(3, ['--tick-ms', '50', '--election-ticks', '20']);
    client = await cluster.connectClient();
  }, 60_000);
  afterAll(() => cluster?.close());

  it('a second process on a data dir in use is refused (locked, the path, the holder pid); after kill -9 the node restarts with no cleanup', async () => {
    await client.put('before', 'lock');
    const holder = cluster.procs.get('n1')!.pid;
    const [port] = await freePorts(1);
    const second = await runCli(cluster.nodeArgs('n1', `127.0.0.1:${port}`));
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toContain(
      `storage locked at ${join(cluster.dir, 'n1', 'raft')}: the store is in use by process ${holder}`,
    );
    // The holder is untouched and the cluster keeps committing.
    await client.put('after', 'lock');
    expect(await client.get('before')).toBe('lock');

    await cluster.kill9('n1');
    await cluster.startNode('n1'); // the lock died with its holder: nothing to clean up
    await client.put('after-restart', 'yes');
    expect(await client.get('after-restart')).toBe('yes');
  });

  it('values of 1, 8 and ~15 MiB go through RaftClient over TCP; 17 MiB is a TooLargeError at once; a follower catches up on them without a dropped link', async () => {
    const MiB = 1024 * 1024;
    const big = await cluster.connectClient({ timeoutMs: 60_000 });
    await cluster.stop('n3'); // behind by every large value: it must catch up below the frame limit
    for (const [key, size] of [
      ['v1', MiB],
      ['v8', 8 * MiB],
      ['v15', 15 * MiB + 512 * 1024],
    ] as const) {
      const value = key.repeat(Math.ceil(size / key.length)).slice(0, size);
      await big.put(key, value);
      expect((await big.get(key))?.length).toBe(size);
    }
    const t0 = performance.now();
    await expect(big.put('v17', 'x'.repeat(17 * MiB))).rejects.toBeInstanceOf(TooLargeError);
    await expect(big.put('v17', 'x'.repeat(17 * MiB))).rejects.toThrow(/above the limit of 16777216 bytes/);
    expect(performance.now() - t0).toBeLessThan(5_000); // at once: no retries until a deadline

    // The CLI takes large values from a file or stdin (an argument list of 200 KB is refused by the kernel).
    const file = join(cluster.dir, 'value.txt');
    writeFileSync(file, 'f'.repeat(2 * MiB));
    const fromFile = await runCli(['put', 'file-value', '--value-file', file, ...cluster.clientArgs()]);
    expect(fromFile, fromFile.stderr).toMatchObject({ code: 0, stdout: 'OK\n' });
    const fromStdin = await runCli(
      ['put', 'stdin-value', '-', ...cluster.clientArgs()],
      30_000,
      's'.repeat(MiB),
    );
    expect(fromStdin, fromStdin.stderr).toMatchObject({ code: 0, stdout: 'OK\n' });
    expect((await big.get('file-value'))?.length).toBe(2 * MiB);
    expect(await big.get('stdin-value')).toBe('s'.repeat(MiB));

    const termOf = async () => new Set((await big.status()).map((s) => s.report?.node?.term).filter(Boolean));
    const termsBefore = await termOf();
    await cluster.startNode('n3');
    const caughtUp = async () => {
      const st = await big.status();
      const commits = st.map((s) => s.report?.node?.appliedIndex ?? -1);
      return Math.min(...commits) === Math.max(...commits) && commits[0] > 0;
    };
    await waitFor(caughtUp, { timeoutMs: 60_000, what: 'n3 to catch up on the large values' });
    // Heartbeats were not starved behind the bulk appends: no election during the catch-up.
    expect(await termOf()).toEqual(termsBefore);
    const logs = cluster.ids.map((id) => (cluster.logs.get(id) ?? []).join('')).join('');
    expect(logs).not.toMatch(/oversizedFrame|peer rejected our link/);
  });
});
