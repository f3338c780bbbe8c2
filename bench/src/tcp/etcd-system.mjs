// A 3-member etcd cluster on loopback (the `etcd` binary of Debian's
// etcd-server package), temp data dirs, driven by the `etcd3` npm client:
// the other system of the TCP row (same interface as raftkit-system.mjs).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './free-port.mjs';
import { killHard, spawnServer, stopAll } from './spawned.mjs';

const NAMES = ['e1', 'e2', 'e3'];

/** A fault-handling policy (cockatiel's execute contract, as etcd3 calls it) that just runs the call. */
const passThrough = { execute: (fn) => fn({ attempt: 1, signal: new AbortController().signal }) };

/** The etcd binary: $ETCD_BIN, else `etcd` on the PATH, else /usr/bin/etcd; null when none exists. */
export function findEtcd() {
  if (process.env.ETCD_BIN) return existsSync(process.env.ETCD_BIN) ? process.env.ETCD_BIN : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin'];
  for (const d of dirs) if (existsSync(join(d, 'etcd'))) return join(d, 'etcd');
  return null;
}

/** POST a gRPC-gateway call to one member's client URL (JSON in, JSON out). */
async function gateway(url, path, body = {}) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(2000),
  });
  if (!res.ok) throw new Error(`${url}${path}: HTTP ${res.status}`);
  return res.json();
}

export class EtcdSystem {
  /** heartbeatMs and electionMs are etcd's --heartbeat-interval and --election-timeout. */
  constructor({ bin, Etcd3, version, heartbeatMs, electionMs }) {
    this.name = 'etcd';
    this.bin = bin;
    this.Etcd3 = Etcd3;
    this.version = version;
    this.heartbeatMs = heartbeatMs;
    this.electionMs = electionMs;
    this.children = new Map();
    /** Clients whose every call has a deadline (failover): client -> ms. */
    this.deadlines = new WeakMap();
  }

  describe() {
    return `${this.version}: 3 members on 127.0.0.1, data dirs in a temp dir (WAL fsynced before acknowledging), --heartbeat-interval ${this.heartbeatMs} --election-timeout ${this.electionMs} (other flags default: no pre-vote in 3.4); clients: the etcd3 npm package, one Etcd3 instance per client given all three endpoints (its default picks a random member per call; a follower forwards to the leader), linearizable gets`;
  }

  async start() {
    this.dir = mkdtempSync(join(tmpdir(), 'raftkit-bench-etcd-'));
    this.token = `bench-${process.pid}-${Date.now()}`;
    this.client = new Map();
    this.peer = new Map();
    for (const n of NAMES) {
      this.client.set(n, `http://127.0.0.1:${await freePort()}`);
      this.peer.set(n, `http://127.0.0.1:${await freePort()}`);
    }
    await Promise.all(NAMES.map((n) => this.startMember(n)));
    await this.waitFor(() => this.caughtUp(), 30_000, 'an etcd leader');
  }

  async startMember(name) {
    const initialCluster = NAMES.map((n) => `${n}=${this.peer.get(n)}`).join(',');
    const args = [
      '--name',
      name,
      '--data-dir',
      join(this.dir, name),
      '--listen-client-urls',
      this.client.get(name),
      '--advertise-client-urls',
      this.client.get(name),
      '--listen-peer-urls',
      this.peer.get(name),
      '--initial-advertise-peer-urls',
      this.peer.get(name),
      '--initial-cluster',
      initialCluster,
      '--initial-cluster-state',
      'new',
      '--initial-cluster-token',
      this.token,
      '--heartbeat-interval',
      String(this.heartbeatMs),
      '--election-timeout',
      String(this.electionMs),
      '--logger',
      'zap',
      '--log-outputs',
      'stderr',
      '--log-level',
      'error',
    ];
    const url = this.client.get(name);
    // Up once its client port answers (a restarted member answers before it has caught up).
    const child = await spawnServer(`etcd ${name}`, this.bin, args, {
      ready: async () => (await fetch(`${url}/version`, { signal: AbortSignal.timeout(1000) })).ok,
    });
    this.children.set(name, child);
  }

  async waitFor(cond, ms, what) {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      if (await cond().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${what} within ${ms} ms`);
  }

  pids() {
    return [...this.children.values()].filter((c) => c.exitCode === null && !c.signalCode).map((c) => c.pid);
  }

  connectOne() {
    return new this.Etcd3({ hosts: [...this.client.values()] });
  }

  async connect(n) {
    return Array.from({ length: n }, () => this.connectOne());
  }

  /**
   * A client whose calls fail after `deadlineMs` (a gRPC deadline; the
   * client's retries on other members share it), without the etcd3 default
   * per-member circuit breaker: that one stops calling every member for 5 s
   * once each has failed 3 times (as all do while there is no leader), which
   * would time the client instead of etcd.
   */
  failoverClient(deadlineMs) {
    const client = new this.Etcd3({
      hosts: [...this.client.values()],
      faultHandling: { host: () => passThrough },
    });
    this.deadlines.set(client, deadlineMs);
    return client;
  }

  put(client, key, value) {
    const ms = this.deadlines.get(client);
    const put = client.put(key).value(value);
    return (ms ? put.options({ deadline: new Date(Date.now() + ms) }) : put).exec();
  }

  get(client, key) {
    return client.get(key).string();
  }

  closeClients(clients) {
    for (const c of clients) c.close();
  }

  async statuses() {
    return Promise.all(
      NAMES.map(async (name) => {
        try {
          return { name, s: await gateway(this.client.get(name), '/v3/maintenance/status') };
        } catch {
          return { name, s: null };
        }
      }),
    );
  }

  /** The member that is the leader (by its own status), or null. */
  async leader() {
    const all = await this.statuses();
    return all.find(({ s }) => s?.leader && s.header?.member_id === s.leader)?.name ?? null;
  }

  async kill(name) {
    await killHard(this.children.get(name));
  }

  async restart(name) {
    await this.startMember(name);
  }

  /** Every member answers, all name the same leader, and their raft indexes are close. */
  async caughtUp() {
    const all = await this.statuses();
    if (all.some(({ s }) => !s?.leader || s.leader === '0')) return false;
    if (new Set(all.map(({ s }) => s.leader)).size !== 1) return false;
    const idx = all.map(({ s }) => Number(s.raftIndex));
    return Math.max(...idx) - Math.min(...idx) <= 10;
  }

  async stop() {
    await stopAll([...this.children.values()]);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
