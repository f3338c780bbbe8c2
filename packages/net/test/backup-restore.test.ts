import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSnapshotFile, RaftClient } from '../src/index.js';
import { SECRET } from './support/cluster.js';
import { converged, expectNothingLostAndLinearizable, startLoad } from './support/process-checks.js';
import { ProcessCluster, runCli } from './support/processes.js';
import { waitFor } from './support/wait.js';

/**
 * `raftkit snapshot save` under client load, `raftkit snapshot restore` into
 * the data dirs of a new 3-process cluster, which then serves the backup's
 * state (same state hash); a damaged backup is refused and writes nothing.
 */
describe('backup and restore across processes', () => {
  const clusters: ProcessCluster[] = [];
  afterAll(async () => {
    for (const c of clusters) await c.close();
  });

  it('a backup taken under load restores into a new cluster with the same state hash; a damaged one is refused', async () => {
    const source = await ProcessCluster.start(3, ['--tick-ms', '50', '--election-ticks', '20']);
    clusters.push(source);
    const load = await startLoad(source.seeds, 11);
    await load.progress('before the backup', 40);
    const file = join(source.dir, 'backup.snap');
    const saved = await runCli(['snapshot', 'save', file, '--json', ...source.clientArgs()]);
    expect(saved.code, saved.stderr).toBe(0);
    const answer = JSON.parse(saved.stdout);
    // Load goes on after the backup: the backup is one committed prefix, not the final state.
    const at = answer.index;
    await load.progress('after the backup', 20);
    const result = await load.finish();
    load.client.close();
    const verdict = await expectNothingLostAndLinearizable(result, source.seeds);

    const { header } = decodeSnapshotFile(readFileSync(file), file);
    expect(header).toMatchObject({ index: at, stateHash: answer.stateHash, voters: ['n1', 'n2', 'n3'] });

    // A new cluster r1..r3 seeded from the file, every node from the same backup.
    const restored = await ProcessCluster.start(3, ['--tick-ms', '50', '--election-ticks', '20'], {
      prefix: 'r',
      beforeStart: async (c) => {
        for (const id of c.ids) {
          const r = await runCli([
            'snapshot',
            'restore',
            file,
            '--data',
            c.dataDir(id),
            '--id',
            id,
            '--peers',
            c.peersOf(id),
            '--cluster-id',
            'test',
          ]);
          expect(r.code, r.stderr).toBe(0);
          expect(r.stdout).toMatch(new RegExp(`restored index ${at} .*state hash ${answer.stateHash}`));
        }
      },
    });
    clusters.push(restored);
    const rc = await RaftClient.connect({ cluster: restored.seeds, secret: SECRET, clusterId: 'test' });
    try {
      // It elects a leader (whose no-op changes no state) and serves exactly the backup's state.
      const state = await waitFor(
        async () => {
          const s = await converged(rc, 3);
          return s.appliedIndex > at ? s : null;
        },
        { what: 'the restored cluster to commit its first entry', timeoutMs: 20_000 },
      );
      expect(state.stateHash).toBe(answer.stateHash);
      expect(state.appliedIndex).toBeGreaterThan(at);
      await rc.put('after-restore', 'yes');
      expect(await rc.get('after-restore')).toBe('yes');
    } finally {
      rc.close();
    }

    // One flipped byte: refused with a clear error, nothing written.
    const damaged = join(source.dir, 'damaged.snap');
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x40;
    writeFileSync(damaged, bytes);
    const target = join(source.dir, 'never-written');
    const refused = await runCli([
      'snapshot',
      'restore',
      damaged,
      '--data',
      target,
      '--id',
      'x1',
      '--peers',
      'x2=127.0.0.1:1',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/damaged\.snap: checksum mismatch/);
    expect(existsSync(target)).toBe(false);
    // Truncated and foreign files too.
    writeFileSync(damaged, readFileSync(file).subarray(0, 100));
    expect((await runCli(['snapshot', 'restore', damaged, '--data', target, '--id', 'x1'])).stderr).toMatch(
      /checksum mismatch|truncated/,
    );
    writeFileSync(damaged, 'not a backup at all');
    expect((await runCli(['snapshot', 'restore', damaged, '--data', target, '--id', 'x1'])).stderr).toMatch(
      /not a raftkit snapshot file/,
    );
    expect(existsSync(target)).toBe(false);
    console.log(`backup: index ${at} hash ${answer.stateHash}; load: ${verdict}`);
  }, 90_000);
});
