import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RaftClient } from '../src/index.js';
import { freePorts } from './support/cluster.js';
import { ProcessCluster, runCli } from './support/processes.js';

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
});
