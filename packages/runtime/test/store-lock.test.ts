import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Cluster, createCluster, StorageError } from '../src/index.js';
import { acquireStoreLock } from '../src/storage/store-lock.js';

/**
 * One opener per store: a second cluster (or thread) on a store in use is
 * refused with StorageError('locked') naming the path and the holder's pid;
 * the lock goes with the worker that held it (kill, stop, close).
 */
describe('store lock', () => {
  let dir: string;
  const open: Cluster[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'raftkit-lock-'));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async () => {
    const c = await createCluster({ nodes: 1, dataDir: dir, tickMs: 10 });
    open.push(c);
    return c;
  };

  it('a second createCluster on a store in use is refused: locked, the path and this pid', async () => {
    const first = await start();
    await first.client().put('k', 'first');
    const second = createCluster({ nodes: 1, dataDir: dir, tickMs: 10 });
    await expect(second).rejects.toBeInstanceOf(StorageError);
    await expect(second).rejects.toMatchObject({ kind: 'locked', path: join(dir, 'n1') });
    await expect(second).rejects.toThrow(`the store is in use by this process (pid ${process.pid})`);
    // The first one's data is intact and it keeps working.
    expect(await first.client().get('k')).toBe('first');
    await first.close();
    const third = await start();
    expect(await third.client().get('k')).toBe('first');
  });

  it('kill and restart, stop and restart: the lock goes with the worker', async () => {
    const c = await start();
    await c.kill('n1');
    await c.restart('n1');
    await c.stop('n1');
    await c.restart('n1');
    await c.client().put('k', 'v');
  });

  // Across threads the lock is the kernel's (an abstract unix socket): Linux only.
  it.skipIf(process.platform !== 'linux')(
    'another thread of this process is refused while a cluster holds the store',
    async () => {
      await start();
      // The worker imports the built module (vitest does not transform worker code).
      const built = new URL('../dist/storage/store-lock.js', import.meta.url);
      expect(existsSync(built)).toBe(true);
      const worker = new Worker(
        `import(${JSON.stringify(built.href)}).then(({ acquireStoreLock }) => acquireStoreLock(${JSON.stringify(join(dir, 'n1'))}))
        .then(() => process.exit(0), (e) => { require('node:worker_threads').parentPort.postMessage({ kind: e.kind, message: e.message }); });`,
        { eval: true },
      );
      const answer = await new Promise<{ kind: string; message: string }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('exit', () => reject(new Error('the second thread took the lock')));
      });
      await worker.terminate();
      expect(answer.kind).toBe('locked');
      expect(answer.message).toContain(`pid ${process.pid}`);
    },
  );

  it('a lock held and released in this thread is free again', async () => {
    const path = join(dir, 'plain');
    const lock = await acquireStoreLock(path);
    await expect(acquireStoreLock(path)).rejects.toMatchObject({ kind: 'locked' });
    expect(existsSync(`${path}.lock`)).toBe(true);
    await lock.release();
    expect(existsSync(`${path}.lock`)).toBe(false);
    await (await acquireStoreLock(path)).release();
  });
});
