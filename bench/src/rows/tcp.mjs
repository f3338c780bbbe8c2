// Row 6: TCP. Three `raftkit node` OS processes (packages/net dist/bin.js) on
// loopback, driven by @raftkit/net's RaftClient: 64 clients' writes/s and
// latency, and the latency of 1 client.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RaftClient } from '@raftkit/net';
import { VALUE } from '../fixtures.mjs';
import { closedLoop } from '../load.mjs';
import { progress } from '../progress.mjs';
import { sleep } from '../stats.mjs';
import { ELECTION_TICKS, TICK_MS } from './cluster.mjs';

const BIN = fileURLToPath(new URL('../../../packages/net/dist/bin.js', import.meta.url));
const SECRET = 'raftkit-bench-secret-0123456789abcdef';
const CLUSTER_ID = 'bench';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

class Processes {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'raftkit-bench-tcp-'));
    this.secretFile = join(this.dir, 'secret');
    writeFileSync(this.secretFile, `${SECRET}\n`);
    this.children = new Map();
    this.logs = new Map();
  }

  async start(ids) {
    const ports = [];
    for (const _ of ids) ports.push(await freePort());
    this.addr = new Map(ids.map((id, i) => [id, `127.0.0.1:${ports[i]}`]));
    await Promise.all(ids.map((id) => this.startNode(id, ids)));
  }

  get seeds() {
    return [...this.addr.values()].join(',');
  }

  startNode(id, ids) {
    const peers = ids
      .filter((p) => p !== id)
      .map((p) => `${p}=${this.addr.get(p)}`)
      .join(',');
    // RAFTKIT_BENCH_NODE_ARGS: extra node flags for the node processes (profiling: --cpu-prof ...).
    const nodeArgs = (process.env.RAFTKIT_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const args = [
      ...nodeArgs,
      BIN,
      'node',
      '--id',
      id,
      '--listen',
      this.addr.get(id),
      '--peers',
      peers,
      '--data',
      join(this.dir, id),
      '--secret-file',
      this.secretFile,
      '--cluster-id',
      CLUSTER_ID,
      '--tick-ms',
      String(TICK_MS),
      '--election-ticks',
      String(ELECTION_TICKS),
      '--log-level',
      'warn',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = [];
    this.logs.set(id, log);
    this.children.set(id, child);
    child.stdout.on('data', (d) => log.push(d.toString()));
    child.stderr.on('data', (d) => log.push(d.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${id} did not listen within 30 s: ${log.join('')}`)),
        30_000,
      );
      const check = () => {
        if (log.join('').includes(`${id} listening on`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${id} exited with ${code}: ${log.join('').slice(-500)}`));
      });
    });
  }

  async stop() {
    await Promise.all(
      [...this.children.values()].map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function connectClients(seeds, n) {
  return Promise.all(
    Array.from({ length: n }, () =>
      RaftClient.connect({ cluster: seeds, secret: SECRET, clusterId: CLUSTER_ID, timeoutMs: 30_000 }),
    ),
  );
}

export async function runTcp({ quick }) {
  const ms = quick ? 1000 : 5000;
  const warmupMs = quick ? 300 : 1000;
  const clients = 64;
  const config = {
    processes: `3 x \`node packages/net/dist/bin.js node\` on 127.0.0.1, LMDB (syncCommit), --tick-ms ${TICK_MS} --election-ticks ${ELECTION_TICKS}, UDP probes on`,
    client: `@raftkit/net RaftClient.connect (one per client: its own authenticated connections), 100-byte puts`,
    clients: [1, clients],
    measureMs: ms,
    warmupMs,
  };
  const procs = new Processes();
  let cs = [];
  try {
    progress.step('starting 3 node processes');
    await procs.start(['n1', 'n2', 'n3']);
    cs = await connectClients(procs.seeds, clients);
    // The first put waits out the election (retries with backoff until a leader commits).
    const t0 = performance.now();
    for (;;) {
      try {
        await cs[0].put('hello', 'world');
        break;
      } catch (e) {
        if (performance.now() - t0 > 30_000) throw e;
        await sleep(100);
      }
    }
    const results = [];
    for (const n of [1, clients]) {
      progress.step(`TCP, ${n} client(s)`);
      const r = await closedLoop(cs.slice(0, n), (c, i, k) => c.put(`k${i}-${k % 1000}`, VALUE), {
        ms,
        warmupMs,
      });
      results.push({
        clients: n,
        writesPerSec: r.opsPerSec,
        writes: r.ops,
        errors: r.errors,
        lastError: r.lastError,
        latencyMs: r.latencyMs,
      });
    }
    return { config, results };
  } finally {
    for (const c of cs) c.close();
    await procs.stop();
  }
}
