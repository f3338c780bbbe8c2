import type { SplitBrainAlert } from '@raftkit/core';
import {
  checkOperations,
  formatCheckResult,
  HistoryRecorder,
  type KvClient,
  kvModel,
  kvOperations,
} from '@raftkit/sim';
import { afterEach, describe, expect, it } from 'vitest';
import type { RaftClient } from '../src/index.js';
import { seededRandom } from '../src/rng.js';
import { waitFor } from '../src/wait-for.js';
import { closeClusters, startCluster, waitConverged } from './cluster-helpers.js';
import { performRecorded, randomInvocation } from './kv-workload.js';

afterEach(closeClusters);

const REGISTERS = new URL('./fixtures/register-machine.mjs', import.meta.url).href;
const CLIENTS = 4;
const KEYS = ['a', 'b', 'c'];

/** The KV workload's client, spoken through an app machine's command / query. */
function registersClient(c: RaftClient): KvClient {
  return {
    put: async (key, value) => void (await c.command({ op: 'put', key, value })),
    append: async (key, value) => void (await c.command({ op: 'append', key, value })),
    cas: async (key, expected, value) => (await c.command({ op: 'cas', key, expected, value })) as boolean,
    delete: async (key) => void (await c.command({ op: 'delete', key })),
    get: async (key, opts) => ((await c.query(key, opts)) as string | null) ?? undefined,
  };
}

describe('an app machine under a leader kill', () => {
  it('gives a linearizable history of commands and queries, and the replicas agree', async () => {
    const cluster = await startCluster({
      nodes: 3,
      seed: 3,
      stateMachine: { module: REGISTERS },
      snapshotEntries: 100,
      snapshotCatchUpEntries: 10,
      checkpointInterval: 25,
    });
    const alerts: SplitBrainAlert[] = [];
    cluster.events.on('alert', (a) => alerts.push(a));
    await cluster.waitForLeader({ timeoutMs: 5000 });
    const recorder = new HistoryRecorder({ now: () => performance.now() });
    const counts = { ok: 0, info: 0, fail: 0 };
    let running = true;
    const runClient = async (id: number) => {
      const random = seededRandom(500 + id);
      const client = registersClient(cluster.client({ timeoutMs: 3000, attemptTimeoutMs: 500 }));
      for (let n = 0; running; n++) {
        const inv = randomInvocation(random, KEYS, id, n, CLIENTS);
        await performRecorded(recorder, counts, id, client, inv, random() < 0.3 ? 'lease' : 'linearizable');
      }
    };
    const loops = Array.from({ length: CLIENTS }, (_, i) => runClient(i));
    await waitFor(() => counts.ok >= 150, { timeoutMs: 20_000, what: '150 operations' });
    const leader = await cluster.waitForLeader();
    await cluster.kill(leader);
    const before = counts.ok;
    await waitFor(() => counts.ok >= before + 150, {
      timeoutMs: 20_000,
      what: '150 operations under a new leader',
    });
    await cluster.restart(leader);
    await waitFor(() => counts.ok >= before + 250, { timeoutMs: 20_000, what: '100 more operations' });
    running = false;
    await Promise.all(loops);

    const sts = await waitConverged(cluster, cluster.ids, 20_000);
    expect(new Set(sts.map((s) => s.stateHash)).size).toBe(1);
    expect(alerts.filter((a) => a.severity === 'safety')).toEqual([]);
    const result = checkOperations(kvModel, kvOperations(recorder.ops()), { budgetMs: 60_000 });
    expect(result.verdict, formatCheckResult(result)).toBe('linearizable');
  });
});
