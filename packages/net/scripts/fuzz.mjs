#!/usr/bin/env node
// Fuzz a live 3-process cluster's leader listener with N random and mutated
// frames (default 100,000), plus wrong-secret, wrong-cluster, unknown-node,
// version-mismatch, forged-auth, oversized and slow-loris connections, while
// a client keeps committing writes. Reports: no crash, the leader's memory
// (RSS) over time, every bad connection closed and counted in the node's
// metrics, and the writes acknowledged during the fuzz (all read back).
//
//   node packages/net/scripts/fuzz.mjs [--frames 100000] [--seed 1] [--concurrency 48]
//
// Needs a build (pnpm exec tsc -b packages/net).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RaftClient } from '../dist/index.js';
import { fuzzListener } from '../dist/testing/listener-fuzz.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '48' },
    'slow-loris': { type: 'string', default: '20' },
  },
});
const FRAMES = Number(values.frames);
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const SECRET = 'fuzz-cluster-secret-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'raftkit-fuzz-'));
const secretFile = join(dir, 'secret');
writeFileSync(secretFile, SECRET);

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond, what, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v;
    } catch {}
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const ids = ['n1', 'n2', 'n3'];
const ports = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await freePort()])));
const metricsPorts = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await freePort()])));
const procs = {};
const logs = {};
for (const id of ids) {
  const peers = ids
    .filter((p) => p !== id)
    .map((p) => `${p}=127.0.0.1:${ports[p]}`)
    .join(',');
  const child = spawn(
    process.execPath,
    [
      BIN,
      'node',
      '--id',
      id,
      '--listen',
      `127.0.0.1:${ports[id]}`,
      '--peers',
      peers,
      '--data',
      join(dir, id),
      '--secret-file',
      secretFile,
      '--cluster-id',
      'fuzz',
      '--metrics-port',
      String(metricsPorts[id]),
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  logs[id] = [];
  child.stdout.on('data', (d) => logs[id].push(String(d)));
  child.stderr.on('data', (d) => logs[id].push(String(d)));
  procs[id] = child;
}
let exitCode = 0;
try {
  await waitFor(() => ids.every((id) => logs[id].join('').includes('listening')), 'nodes to listen');
  const seeds = ids.map((id) => `127.0.0.1:${ports[id]}`).join(',');
  const client = await RaftClient.connect({ cluster: seeds, secret: SECRET, clusterId: 'fuzz' });
  const leader = await waitFor(
    async () => (await client.status()).find((s) => s.report?.node?.role === 'leader')?.id,
    'a leader',
  );
  const target = procs[leader];
  const rss = () => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${target.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  };
  const counters = async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPorts[leader]}/metrics`)).text();
    const sum = (name) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
        .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
    return {
      conns: sum('raftkit_net_rejected_connections_total'),
      frames: sum('raftkit_net_rejected_frames_total'),
    };
  };

  // Warm up, then take the baseline.
  for (let i = 0; i < 50; i++) await client.put(`warm${i}`, 'x');
  const before = await counters();
  const rssBaseline = rss();
  const rssSamples = [];
  const sampler = setInterval(() => rssSamples.push(rss()), 500);

  let fuzzing = true;
  const acked = [];
  const perWindow = [];
  let windowCount = 0;
  const windowTimer = setInterval(() => {
    perWindow.push(windowCount);
    windowCount = 0;
  }, 10_000);
  const writer = (async () => {
    for (let i = 0; fuzzing; i++) {
      try {
        await client.put(`w${i}`, `v${i}`);
        acked.push(i);
        windowCount++;
      } catch (error) {
        console.error(`write w${i} failed: ${error.message}`);
      }
    }
  })();

  let lastPrint = 0;
  const report = await fuzzListener({
    host: '127.0.0.1',
    port: ports[leader],
    secret: SECRET,
    clusterId: 'fuzz',
    frames: FRAMES,
    seed: Number(values.seed),
    concurrency: Number(values.concurrency),
    slowLoris: Number(values['slow-loris']),
    reactionMs: 150,
    onConnection: (r) => {
      if (r.frames - lastPrint >= 10_000) {
        lastPrint = r.frames;
        console.log(
          `  ${r.frames} frames, ${r.connections} connections, leader RSS ${(rss() / 2 ** 20).toFixed(0)} MiB`,
        );
      }
    },
  });
  fuzzing = false;
  await writer;
  clearInterval(sampler);
  clearInterval(windowTimer);
  perWindow.push(windowCount);

  // Give the node a moment to close the last connections, then compare its counters.
  const expected = report.closedByServer + report.endedInHandshake;
  const after = await waitFor(
    async () => {
      const c = await counters();
      return c.conns - before.conns + (c.frames - before.frames) >= expected ? c : null;
    },
    'the node to count every rejection',
    10_000,
  ).catch(async () => counters());
  const counted = after.conns - before.conns + (after.frames - before.frames);

  let missing = 0;
  for (const i of acked) if ((await client.get(`w${i}`)) !== `v${i}`) missing++;
  const alive = ids.filter((id) => procs[id].exitCode === null && procs[id].signalCode === null);
  const st = await client.status();
  const leaderNow = st.find((s) => s.report?.node?.role === 'leader')?.id;
  client.close();

  const definitelyBad = [
    'randomBytes',
    'mutatedHello',
    'wrongSecret',
    'wrongCluster',
    'unknownNode',
    'versionMismatch',
    'forgedAuth',
    'oversized',
    'slowLoris',
  ];
  const unrejected = definitelyBad.reduce((n, c) => {
    const s = report.byCase[c];
    return n + (s ? s.connections - s.closedByServer - s.endedInHandshake : 0);
  }, 0);
  const summary = {
    frames: report.frames,
    connections: report.connections,
    durationS: +(report.durationMs / 1000).toFixed(1),
    closedByServer: report.closedByServer,
    abandonedHandshakesCountedByServer: report.endedInHandshake,
    serverCountedRejections: counted,
    expectedRejections: expected,
    badConnectionsNotRejected: unrejected,
    rejectReasons: report.rejectReasons,
    byCase: report.byCase,
    fuzzerErrors: report.connectErrors,
    leaderRssMiB: {
      baseline: +(rssBaseline / 2 ** 20).toFixed(1),
      max: +(Math.max(...rssSamples) / 2 ** 20).toFixed(1),
      final: +(rss() / 2 ** 20).toFixed(1),
    },
    writesAckedDuringFuzz: acked.length,
    writesPer10s: perWindow,
    ackedWritesMissing: missing,
    processesAlive: alive.length,
    leaderBefore: leader,
    leaderAfter: leaderNow,
  };
  console.log(JSON.stringify(summary, null, 2));
  const ok =
    report.frames >= FRAMES &&
    report.connectErrors === 0 &&
    counted === expected &&
    unrejected === 0 &&
    missing === 0 &&
    alive.length === 3 &&
    perWindow.slice(0, -1).every((n) => n > 0);
  console.log(ok ? 'FUZZ OK' : 'FUZZ FAILED');
  exitCode = ok ? 0 : 1;
} catch (error) {
  console.error(error);
  for (const id of ids) console.error(`--- ${id}\n${logs[id].join('').slice(-3000)}`);
  exitCode = 1;
} finally {
  for (const child of Object.values(procs)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
