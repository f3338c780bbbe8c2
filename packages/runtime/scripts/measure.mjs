#!/usr/bin/env node
// Measures the runtime on this machine (not a test): committed writes/s with
// 64 concurrent clients (LMDB and memory), write latency with 1 client, and
// leader-isolation failover time. Build first: pnpm exec tsc -b packages/runtime
//
//   node packages/runtime/scripts/measure.mjs [--seconds 5] [--only throughput,latency,failover,durability]
import { MessageChannel } from 'node:worker_threads';
import { createCluster, packFrames, Router, unpackFrames } from '../dist/index.js';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const SECONDS = Number(arg('seconds', '5'));
const ONLY = new Set(arg('only', 'router,throughput,latency,durability,failover').split(','));
const TICK_MS = 20;
const ELECTION_TICKS = 10;
const VALUE = 'v'.repeat(100);

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function withCluster(opts, fn) {
  const cluster = await createCluster({ nodes: 3, tickMs: TICK_MS, electionTicks: ELECTION_TICKS, ...opts });
  try {
    await cluster.waitForLeader({ timeoutMs: 10_000 });
    return await fn(cluster);
  } finally {
    await cluster.close();
  }
}

/** `clients` concurrent clients putting 100-byte values for `seconds`; returns writes/s and latencies. */
async function load(cluster, clients, seconds) {
  const cs = Array.from({ length: clients }, () => cluster.client({ timeoutMs: 30_000 }));
  // Warm up (JIT, LMDB map) for a second.
  const warmEnd = performance.now() + 1000;
  await Promise.all(
    cs.map(async (c, i) => {
      for (let n = 0; performance.now() < warmEnd; n++) await c.put(`w${i}-${n % 100}`, VALUE);
    }),
  );
  const before = await cluster.statuses();
  const lat = [];
  let done = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    cs.map(async (c, i) => {
      for (let n = 0; performance.now() < end; n++) {
        const s = performance.now();
        await c.put(`k${i}-${n % 1000}`, VALUE);
        lat.push(performance.now() - s);
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const after = await cluster.statuses();
  lat.sort((a, b) => a - b);
  const leader = Object.values(after).find((s) => s?.role === 'leader');
  const b = leader ? before[leader.id] : null;
  const txns = leader && b ? leader.storage.batches - b.storage.batches : 0;
  const frames = leader && b ? leader.traffic.framesOut - b.traffic.framesOut : 0;
  return {
    writesPerSec: Math.round(done / elapsed),
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    p999: pct(lat, 99.9),
    leaderBatchesPerWrite: done ? txns / done : 0,
    leaderFramesPerWrite: done ? frames / done : 0,
  };
}

const fmt = (r) =>
  `${r.writesPerSec} writes/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, p99.9 ${r.p999.toFixed(2)} ms, ` +
  `leader storage batches/write ${r.leaderBatchesPerWrite.toFixed(3)}, leader frames out/write ${r.leaderFramesPerWrite.toFixed(3)}`;

const results = {};
console.log(
  `machine: ${process.version}, ${(await import('node:os')).cpus().length} cpus; ${SECONDS} s per row; tick ${TICK_MS} ms`,
);

/**
 * Router overhead alone: one sender keeps `inflight` batches of `frames`
 * 200-byte frames in flight to one receiver (both ends on this thread's ports).
 */
async function routerRow(faulty, framesPerBatch, seconds) {
  const router = new Router({ seed: 1 });
  const a = new MessageChannel();
  const b = new MessageChannel();
  router.attach('a', a.port1);
  router.attach('b', b.port1);
  if (faulty) router.faults.setLinkFaults({ drop: 0.0001, duplicate: 0.0001 });
  const frame = new Uint8Array(200);
  let frames = 0;
  let batches = 0;
  const end = performance.now() + seconds * 1000;
  await new Promise((resolve) => {
    const send = () => {
      const buf = packFrames(Array.from({ length: framesPerBatch }, () => frame));
      a.port2.postMessage({ to: ['b'], bufs: [buf] }, [buf]);
    };
    b.port2.on('message', (m) => {
      for (const buf of m.bufs) frames += unpackFrames(buf).frames.length;
      batches++;
      if (performance.now() < end) send();
      else resolve();
    });
    for (let i = 0; i < 32; i++) send();
  });
  await router.close();
  a.port2.close();
  b.port2.close();
  return { batchesPerSec: Math.round(batches / seconds), framesPerSec: Math.round(frames / seconds) };
}

if (ONLY.has('router')) {
  for (const [faulty, n] of [
    [false, 1],
    [false, 16],
    [true, 16],
  ]) {
    const r = await routerRow(faulty, n, Math.min(SECONDS, 2));
    results[`router-${faulty ? 'faults' : 'clean'}-${n}`] = r;
    console.log(
      `router (${faulty ? 'with link faults: split + repack' : 'clean: buffer forwarded as is'}), ${n} frames/batch: ` +
        `${r.batchesPerSec} batches/s, ${r.framesPerSec} frames/s`,
    );
  }
}

if (ONLY.has('throughput')) {
  for (const storage of ['lmdb', 'memory']) {
    results[`throughput-${storage}-64`] = await withCluster({ storage }, (c) => load(c, 64, SECONDS));
    console.log(`3 nodes, ${storage}, 64 clients: ${fmt(results[`throughput-${storage}-64`])}`);
  }
}
if (ONLY.has('latency')) {
  for (const storage of ['lmdb', 'memory']) {
    results[`latency-${storage}-1`] = await withCluster({ storage }, (c) => load(c, 1, SECONDS));
    console.log(`3 nodes, ${storage}, 1 client: ${fmt(results[`latency-${storage}-1`])}`);
  }
}
if (ONLY.has('durability')) {
  for (const clients of [1, 64]) {
    for (const durability of ['syncCommit', 'flushed']) {
      const key = `durability-${durability}-${clients}`;
      results[key] = await withCluster({ storage: 'lmdb', durability }, (c) => load(c, clients, SECONDS));
      console.log(`3 nodes, lmdb durability=${durability}, ${clients} clients: ${fmt(results[key])}`);
    }
  }
}
if (ONLY.has('failover')) {
  const reps = Number(arg('failovers', '7'));
  const times = [];
  await withCluster({ nodes: 5, storage: 'lmdb' }, async (cluster) => {
    const client = cluster.client({
      timeoutMs: 10_000,
      attemptTimeoutMs: 100,
      retryBaseMs: 5,
      retryMaxMs: 20,
    });
    for (let r = 0; r < reps; r++) {
      const old = await cluster.waitForLeader({ timeoutMs: 10_000 });
      await client.put('warm', `${r}`);
      const t0 = performance.now();
      cluster.isolate(old);
      // Failover = until a write commits through a new leader.
      await client.put('failover', `${r}`);
      times.push(performance.now() - t0);
      cluster.heal();
      await cluster.waitForLeader({ timeoutMs: 10_000 });
    }
  });
  times.sort((a, b) => a - b);
  const et = ELECTION_TICKS * TICK_MS;
  results.failover = {
    runs: times.length,
    medianMs: pct(times, 50),
    maxMs: times[times.length - 1],
    electionTimeoutMs: et,
  };
  console.log(
    `failover (5 nodes, isolate leader -> a write commits via the new leader), ${times.length} runs: ` +
      `median ${pct(times, 50).toFixed(0)} ms (${(pct(times, 50) / et).toFixed(2)} election timeouts of ${et} ms), ` +
      `max ${times[times.length - 1].toFixed(0)} ms; all: ${times.map((t) => t.toFixed(0)).join(', ')}`,
  );
}
if (args.includes('--json')) console.log(JSON.stringify(results));
