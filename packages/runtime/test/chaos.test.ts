import { checkOperations, formatCheckResult, HistoryRecorder, kvModel, kvOperations } from '@raftkit/sim';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../src/rng.js';
import { closeClusters, startCluster, waitConverged } from './cluster-helpers.js';
import { performRecorded, randomInvocation } from './kv-workload.js';
import { RuntimeNemesis } from './runtime-nemesis.js';

afterEach(closeClusters);

const WORKLOAD_MS = 20_000;
const CLIENTS = 6;
const KEYS = ['a', 'b', 'c', 'd'];

describe('chaos', () => {
  it(`${CLIENTS} clients for ${WORKLOAD_MS / 1000} s under a random nemesis: linearizable history, no safety alert`, async () => {
    // Frequent snapshots with a short catch-up tail: killed and partitioned nodes come back through
    // snapshot installs and restores, under the same checks.
    const cluster = await startCluster({
      nodes: 5,
      seed: 7,
      hashCheckEvery: 500,
      snapshotEntries: 150,
      snapshotCatchUpEntries: 20,
    });
    await cluster.waitForLeader({ timeoutMs: 5000 });
    const recorder = new HistoryRecorder({ now: () => performance.now() });
    const end = performance.now() + WORKLOAD_MS;
    const nemesis = new RuntimeNemesis(cluster, 11);
    const counts = { ok: 0, info: 0, fail: 0 };

    const runClient = async (id: number) => {
      const random = seededRandom(1000 + id);
      const client = cluster.client({ timeoutMs: 1500, attemptTimeoutMs: 300 });
      for (let n = 0; performance.now() < end; n++) {
        const inv = randomInvocation(random, KEYS, id, n, CLIENTS);
        await performRecorded(recorder, counts, id, client, inv, random() < 0.25 ? 'lease' : 'linearizable');
      }
    };

    await Promise.all([nemesis.run(end), ...Array.from({ length: CLIENTS }, (_, i) => runClient(i))]);
    const sts = await waitConverged(cluster, cluster.ids, 20_000);
    expect(new Set(sts.map((s) => s.stateHash)).size).toBe(1);
    // The periodic full recomputation of the state hash (side-work pool) agreed every time.
    expect(sts.reduce((n, s) => n + s.hashChecks.runs, 0)).toBeGreaterThan(0);
    expect(sts.every((s) => s.hashChecks.mismatches === 0)).toBe(true);

    const ops = recorder.ops();
    const t0 = performance.now();
    const result = checkOperations(kvModel, kvOperations(ops), { budgetMs: 60_000 });
    const checkMs = performance.now() - t0;
    console.log(
      `chaos: ${ops.length} ops (ok ${counts.ok}, info ${counts.info}, failed reads ${counts.fail}); ` +
        `checker ${result.verdict} in ${checkMs.toFixed(0)} ms; snapshots taken/installed/restored ` +
        sts
          .map(
            (s) =>
              `${s.id}:${s.snapshots.taken}/${s.snapshots.installed}/${s.snapshots.restoredAtStart > 0 ? 1 : 0}`,
          )
          .join(' ') +
        `\n  nemesis: ${nemesis.log.join('; ')}`,
    );
    if (result.verdict !== 'linearizable') console.log(formatCheckResult(result));
    expect(result.verdict).toBe('linearizable');
    expect(counts.ok).toBeGreaterThan(200);
    // Snapshots were taken along the way (counters restart with each incarnation, so look at the sum).
    expect(sts.reduce((n, s) => n + s.snapshots.taken, 0)).toBeGreaterThan(0);
    // The same history with one read result falsified must be rejected: the check can fail.
    const readAt = ops.findIndex((o) => o.kind === 'get' && o.status === 'ok');
    const forged = ops.map((o, i) => (i === readAt ? { ...o, output: { value: 'never-written' } } : o));
    expect(checkOperations(kvModel, kvOperations(forged), { budgetMs: 60_000 }).verdict).toBe(
      'nonLinearizable',
    );
    const safety = cluster.alerts().filter((a) => a.severity === 'safety');
    expect(safety, JSON.stringify(safety)).toEqual([]);
  }, 120_000);
});
