// Three `raftkit node` OS processes on loopback (packages/net dist/bin.js),
// LMDB in a temp dir, driven by @raftkit/net's RaftClient: one of the two
// systems of the TCP row (the other is etcd-system.mjs; same interface).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RaftClient } from '@raftkit/net';
import { freePort } from './free-port.mjs';
import { killHard, spawnServer, stopAll } from './spawned.mjs';

const BIN = fileURLToPath(new URL('../../../packages/net/dist/bin.js', import.meta.url));
const SECRET = 'raftkit-bench-secret-0123456789abcdef';
const CLUSTER_ID = 'bench';
const IDS = ['n1', 'n2', 'n3'];

export class RaftkitSystem {
  /** tickMs x electionTicks is the election timeout; heartbeats go every tick (the node's default). */
  constructor({ tickMs, electionTicks, nodeFlags = [], bin = BIN }) {
    /** The `raftkit` CLI to run (another build's, for before/after comparisons). */
    this.bin = bin;
    /** Extra `raftkit node` flags (profiling and experiments: e.g. --no-udp). */
    this.nodeFlags = nodeFlags;
    this.name = 'raftkit';
    this.tickMs = tickMs;
    this.electionTicks = electionTicks;
    this.children = new Map();
    this.admin = null;
  }

  describe() {
    return `3 x \`node packages/net/dist/bin.js node\` on 127.0.0.1, LMDB (synced before acknowledging), --tick-ms ${this.tickMs} --election-ticks ${this.electionTicks} (heartbeat every tick; Pre-Vote, CheckQuorum and UDP probes on: the defaults); clients: @raftkit/net RaftClient.connect, one per client (its own authenticated connections), writes go to the leader`;
  }

  async start() {
    this.dir = mkdtempSync(join(tmpdir(), 'raftkit-bench-tcp-'));
    this.secretFile = join(this.dir, 'secret');
    writeFileSync(this.secretFile, `${SECRET}\n`);
    this.addr = new Map();
    for (const id of IDS) this.addr.set(id, `127.0.0.1:${await freePort()}`);
    await Promise.all(IDS.map((id) => this.startNode(id)));
    this.admin = await this.connectOne();
  }

  get seeds() {
    return [...this.addr.values()].join(',');
  }

  async startNode(id) {
    const peers = IDS.filter((p) => p !== id)
      .map((p) => `${p}=${this.addr.get(p)}`)
      .join(',');
    // RAFTKIT_BENCH_NODE_ARGS: extra node flags for the node processes (profiling: --cpu-prof ...).
    const nodeArgs = (process.env.RAFTKIT_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const args = [
      ...nodeArgs,
      this.bin,
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
      String(this.tickMs),
      '--election-ticks',
      String(this.electionTicks),
      '--log-level',
      'warn',
      ...this.nodeFlags,
    ];
    const child = await spawnServer(`raftkit node ${id}`, process.execPath, args, {
      ready: (out) => out.includes(`${id} listening on`),
    });
    this.children.set(id, child);
  }

  pids() {
    return [...this.children.values()].filter((c) => c.exitCode === null && !c.signalCode).map((c) => c.pid);
  }

  connectOne(timeoutMs = 30_000) {
    return RaftClient.connect({ cluster: this.seeds, secret: SECRET, clusterId: CLUSTER_ID, timeoutMs });
  }

  /** A client whose operations fail after `deadlineMs` (its retries included). */
  failoverClient(deadlineMs) {
    return this.connectOne(deadlineMs);
  }

  connect(n) {
    return Promise.all(Array.from({ length: n }, () => this.connectOne()));
  }

  put(client, key, value) {
    return client.put(key, value);
  }

  get(client, key) {
    return client.get(key, { consistency: 'linearizable' });
  }

  closeClients(clients) {
    for (const c of clients) c.close();
  }

  /** The id of the node that reports itself leader, or null. */
  async leader() {
    const all = await this.admin.status(2000);
    return all.find((s) => s.report?.node?.role === 'leader')?.id ?? null;
  }

  async kill(id) {
    await killHard(this.children.get(id));
  }

  async restart(id) {
    await this.startNode(id);
  }

  /** Every node answers, one leader, and every node has applied what the leader committed. */
  async caughtUp() {
    const all = await this.admin.status(2000);
    if (all.some((s) => !s.report?.node)) return false;
    const leader = all.find((s) => s.report.node.role === 'leader');
    if (!leader) return false;
    return all.every((s) => s.report.node.appliedIndex >= leader.report.node.commitIndex - 10);
  }

  async stop() {
    this.admin?.close();
    await stopAll([...this.children.values()]);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
