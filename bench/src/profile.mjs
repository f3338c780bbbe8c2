#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runClosedLoop } from './inthread-harness.mjs';
import { putLoad, withCluster } from './rows/cluster.mjs';
// Runs one benchmark scenario for profiling (not part of `pnpm bench`):
//
//   node --cpu-prof --cpu-prof-dir=bench/results/tmp/prof bench/src/profile.mjs SCENARIO [--seconds 5]
//   node bench/src/profile-top.mjs bench/results/tmp/prof
//
// --cpu-prof writes one profile per thread (main, each node's worker, pools).
// Scenarios: cluster-memory-64, cluster-lmdb-64, cluster-memory-1, cluster-lmdb-1, core-1, core-64, failover,
// tcp (row 6 in --quick), tcp-N (raftkit's node processes alone as in row 6, N clients writing), tcp-idle.
// For the tcp scenarios RAFTKIT_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' profiles the node processes.
import { raftkitCoreAdapter } from './rows/core.mjs';
import { runFailover } from './rows/failover.mjs';
import { ELECTION_MS, HEARTBEAT_MS, runTcp } from './rows/tcp.mjs';
import { sleep } from './stats.mjs';
import { idleCpu, loadWithCpu, putOp } from './tcp/measure.mjs';
import { RaftkitSystem } from './tcp/raftkit-system.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seconds: { type: 'string' } },
});
const scenario = positionals[0] ?? 'cluster-memory-64';
const ms = Number(values.seconds ?? 5) * 1000;

const m = /^cluster-(memory|lmdb)-(\d+)$/.exec(scenario);
const c = /^core-(\d+)$/.exec(scenario);
const t = /^tcp-(\d+|idle)$/.exec(scenario);
let out;
if (m) {
  out = await withCluster({ nodes: 3, storage: m[1] }, (cl) =>
    putLoad(cl, Number(m[2]), { ms, warmupMs: 500 }),
  );
} else if (c) {
  out = runClosedLoop(raftkitCoreAdapter, { clients: Number(c[1]), ms, warmupMs: 500 });
} else if (t) {
  // The node processes alone, as row 6 runs them; their server CPU is printed with the result.
  const sys = new RaftkitSystem({ tickMs: HEARTBEAT_MS, electionTicks: ELECTION_MS / HEARTBEAT_MS });
  try {
    await sys.start();
    const n = t[1] === 'idle' ? 1 : Number(t[1]);
    const clients = await sys.connect(n);
    for (let ok = false; !ok; )
      ok = await sys.put(clients[0], 'hello', 'world').then(
        () => true,
        () => sleep(100).then(() => false),
      );
    if (t[1] === 'idle') {
      await sleep(1000);
      out = await idleCpu([sys], ms);
    } else {
      const r = await loadWithCpu(sys, clients, putOp(sys), { ms, warmupMs: 1000 });
      out = { ...r, writesPerSec: r.ops / r.elapsedS, cpuMsPerWrite: (r.cpuS * 1000) / r.ops };
    }
    sys.closeClients(clients);
  } finally {
    await sys.stop();
  }
} else if (scenario === 'tcp') {
  // The node processes get RAFTKIT_BENCH_NODE_ARGS (see rows/tcp.mjs).
  out = await runTcp({ quick: true });
} else if (scenario === 'failover') {
  out = await runFailover({ quick: true });
} else {
  console.error(`unknown scenario ${scenario}`);
  process.exit(2);
}
console.log(JSON.stringify(out, null, 1));
