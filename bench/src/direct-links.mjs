#!/usr/bin/env node
// Direct links on and off in one run (not part of `pnpm bench`): a 3-node
// memory cluster, 64 clients and 1 client doing puts, with the actors' direct
// MessagePorts (`directLinks: true`, the default) and with every batch through
// the main-thread router (`directLinks: false`), alternating, `--reps` times.
// Prints the medians and the ratios direct / router. Build first (`pnpm build`).
//
//   node bench/src/direct-links.mjs [--reps 3] [--seconds 2]
import { parseArgs } from 'node:util';
import { putLoad, withCluster } from './rows/cluster.mjs';

const { values } = parseArgs({ options: { reps: { type: 'string' }, seconds: { type: 'string' } } });
const REPS = Number(values.reps ?? 3);
const MS = Number(values.seconds ?? 2) * 1000;
const CLIENTS = [64, 1];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const runs = { true: [], false: [] };
for (let rep = 0; rep < REPS; rep++) {
  // Alternate which mode goes first, so drift in the machine's load hits both alike.
  for (const direct of rep % 2 ? [false, true] : [true, false]) {
    const row = await withCluster({ nodes: 3, storage: 'memory', directLinks: direct }, async (cluster) => {
      const out = {};
      for (const clients of CLIENTS) {
        const routed = cluster.router.stats().batchesDelivered;
        // CPU of the whole process (main thread and every worker) and the main thread's busy share.
        const cpu0 = process.cpuUsage();
        const elu0 = performance.eventLoopUtilization();
        const r = await putLoad(cluster, clients, { ms: MS, warmupMs: 500 });
        const cpu = process.cpuUsage(cpu0);
        const elu = performance.eventLoopUtilization(elu0);
        out[clients] = {
          writesPerSec: r.writesPerSec,
          cpuUsPerWrite: (cpu.user + cpu.system) / r.writes,
          mainThreadBusy: elu.utilization,
          p50: r.latencyMs.p50,
          p99: r.latencyMs.p99,
          routerBatchesPerWrite: (cluster.router.stats().batchesDelivered - routed) / r.writes,
          raftBatchesPerWrite: r.perWrite.raftBatches,
        };
      }
      return out;
    });
    runs[direct].push(row);
    process.stderr.write(`rep ${rep + 1} directLinks=${direct}: ${JSON.stringify(row)}\n`);
  }
}

const summary = {};
for (const clients of CLIENTS) {
  const m = (direct, key) => median(runs[direct].map((r) => r[clients][key]));
  summary[`${clients} client(s)`] = {
    direct: { writesPerSec: m(true, 'writesPerSec'), p50: m(true, 'p50'), p99: m(true, 'p99') },
    router: { writesPerSec: m(false, 'writesPerSec'), p50: m(false, 'p50'), p99: m(false, 'p99') },
    cpuUsPerWrite: { direct: m(true, 'cpuUsPerWrite'), router: m(false, 'cpuUsPerWrite') },
    mainThreadBusy: { direct: m(true, 'mainThreadBusy'), router: m(false, 'mainThreadBusy') },
    throughputRatio: m(true, 'writesPerSec') / m(false, 'writesPerSec'),
    p50Ratio: m(true, 'p50') / m(false, 'p50'),
    // Per repetition (both modes ran back to back): less exposed to the machine's drifting load.
    pairedThroughputRatios: runs.true.map(
      (r, i) => r[clients].writesPerSec / runs.false[i][clients].writesPerSec,
    ),
    pairedP50Ratios: runs.true.map((r, i) => r[clients].p50 / runs.false[i][clients].p50),
    routerBatchesPerWrite: {
      direct: m(true, 'routerBatchesPerWrite'),
      router: m(false, 'routerBatchesPerWrite'),
    },
    raftBatchesPerWrite: { direct: m(true, 'raftBatchesPerWrite'), router: m(false, 'raftBatchesPerWrite') },
  };
}
console.log(JSON.stringify({ reps: REPS, measureMs: MS, summary }, null, 1));
