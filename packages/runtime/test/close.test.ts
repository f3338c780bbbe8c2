import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCluster } from '../src/index.js';
import { waitFor } from '../src/wait-for.js';

const CHILD = fileURLToPath(new URL('./fixtures/close-child.mjs', import.meta.url));

describe('cluster.close()', () => {
  it('leaves no worker, timer, port or handle behind: a process using a cluster exits by itself', async () => {
    const child = spawn(process.execPath, [CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const started = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('exit', (c) => {
        clearTimeout(killer);
        resolve(c);
      });
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out.trim().split('\n').pop() as string);
    expect(report.dataDirRemoved).toBe(true);
    // Ports of terminated workers may take a moment to go; nothing may keep the process alive.
    expect(report.resources.filter((r: string) => r !== 'MessagePort')).toEqual([]);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('releases every handle it created in this process', async () => {
    const baseline = count(process.getActiveResourcesInfo());
    const cluster = await createCluster({ nodes: 3, tickMs: 15, storage: 'memory' });
    await cluster.waitForLeader({ timeoutMs: 5000 });
    await cluster.client().put('x', 'y');
    expect(count(process.getActiveResourcesInfo()).MessagePort ?? 0).toBeGreaterThan(
      baseline.MessagePort ?? 0,
    );
    await cluster.close();
    await waitFor(
      () => {
        const now = count(process.getActiveResourcesInfo());
        return Object.keys(now).every((k) => (now[k] ?? 0) <= (baseline[k] ?? 0) + (k === 'Timeout' ? 1 : 0));
      },
      { timeoutMs: 5000, what: 'handles to return to the baseline' },
    );
  });
});

function count(resources: string[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const r of resources) c[r] = (c[r] ?? 0) + 1;
  return c;
}
