import { readFileSync } from 'node:fs';
import { checkFilesParallel, checkTextsParallel } from '@raftkit/sim';
import { describe, expect, it } from 'vitest';
import { porcupineDataDir } from './checker-data-dir.js';

// Pool workers load the built dist/checker/pool-task.js (`pnpm test` builds first).
const data = porcupineDataDir();

describe('checking many histories on a Piscina pool', () => {
  it('checks files on 2 threads, in order, with errors as data', async () => {
    const expected = new Map(
      readFileSync(`${data}jepsen/EXPECTED.tsv`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('\t') as [string, string]),
    );
    const jepsen = ['etcd_000.log', 'etcd_002.log', 'etcd_007.log', 'etcd_057.log', 'etcd_099.log'];
    const paths = [
      ...jepsen.map((f) => `${data}jepsen/${f}`),
      `${data}kv/c10-ok.txt`,
      `${data}kv/c10-bad.txt`,
      `${data}jepsen/does-not-exist.log`,
    ];
    const results = await checkFilesParallel(paths, { threads: 2 });
    expect(results.map((r) => r.source)).toEqual(paths);
    jepsen.forEach((f, i) => {
      expect(results[i].result?.verdict).toBe(
        expected.get(f) === 'linearizable' ? 'linearizable' : 'nonLinearizable',
      );
    });
    expect(results[5].result?.verdict).toBe('linearizable');
    expect(results[6].result?.verdict).toBe('nonLinearizable');
    expect(results[6].result?.violation?.blocked.length).toBeGreaterThan(0);
    expect(results[7].error).toMatch(/ENOENT/);
  });

  it('checks in-memory histories, with a per-history budget', async () => {
    const text = (f: string) => readFileSync(`${data}jepsen/${f}`, 'utf8');
    const histories = [
      { label: 'etcd_002', text: text('etcd_002.log') },
      { label: 'etcd_000', text: text('etcd_000.log') },
    ];
    const decided = await checkTextsParallel(histories, { threads: 2 });
    expect(decided.map((r) => [r.source, r.format, r.result?.verdict])).toEqual([
      ['etcd_002', 'jepsen', 'linearizable'],
      ['etcd_000', 'jepsen', 'nonLinearizable'],
    ]);
    const starved = await checkTextsParallel(histories, { threads: 2, maxSteps: 10 });
    expect(starved.map((r) => r.result?.verdict)).toEqual(['unknown', 'unknown']);
    expect(await checkFilesParallel([])).toEqual([]);
  });
});
