// Row 6: TCP, against etcd. Three `raftkit node` OS processes and, when an
// etcd binary is installed, a 3-member etcd cluster, both on loopback with
// the same workload and client shape (Node clients in this process, one
// connection set per client, 100-byte puts, closed loop). The measurements
// alternate between the systems (A B B A in a full run), so machine load
// drifts hit both alike: writes/s, latency and the servers' CPU per write at
// 1-256 clients, linearizable reads at 64 clients, idle CPU, and kill -9 of
// the leader under a 1-client loop.
import { execFileSync } from 'node:child_process';
import { progress } from '../progress.mjs';
import { Samples, sleep } from '../stats.mjs';
import { EtcdSystem, findEtcd } from '../tcp/etcd-system.mjs';
import { failoverOnce, getOp, idleCpu, interleaved, loadWithCpu, putOp } from '../tcp/measure.mjs';
import { RaftkitSystem } from '../tcp/raftkit-system.mjs';

/** Both systems: 1 s election timeout, 100 ms heartbeats (etcd's defaults). */
export const ELECTION_MS = 1000;
export const HEARTBEAT_MS = 100;
export const WRITE_CLIENTS = [1, 16, 64, 256];
export const READ_CLIENTS = 64;
/**
 * Deadline of one write in the failover loop, on both systems. Without one an
 * etcd write forwarded by a follower to the killed leader waits for etcd's
 * request timeout (5 s + 2 election timeouts), and raftkit's client backs
 * off up to a second between retries: the row would time the clients.
 */
export const FAILOVER_WRITE_DEADLINE_MS = 250;

/** The etcd side, or the reason it is not measured. */
async function etcdSystem() {
  const bin = findEtcd();
  if (!bin)
    return {
      skipped:
        'no etcd binary ($ETCD_BIN, `etcd` on the PATH or /usr/bin/etcd); install it with `apt-get install -y etcd-server`',
    };
  let Etcd3;
  try {
    ({ Etcd3 } = await import('etcd3'));
  } catch (e) {
    return { skipped: `the etcd3 npm package did not load (pnpm install in the repository): ${e.message}` };
  }
  // First line: "etcd Version: 3.4.23".
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' })
    .split('\n')[0]
    .replace(/^etcd Version:\s*/i, 'etcd ')
    .trim();
  return {
    system: new EtcdSystem({ bin, Etcd3, version, heartbeatMs: HEARTBEAT_MS, electionMs: ELECTION_MS }),
  };
}

/** The first write waits out the election (retried until a leader commits it). */
async function firstWrite(system, client) {
  const t0 = performance.now();
  for (;;) {
    try {
      await system.put(client, 'hello', 'world');
      return;
    } catch (e) {
      if (performance.now() - t0 > 30_000)
        throw new Error(`${system.name}: no write within 30 s: ${e.message}`);
      await sleep(100);
    }
  }
}

/** Runs `run(system)` for each system in interleaved order and sums what each returned. */
async function alternate(systems, reps, label, run) {
  const acc = new Map(
    systems.map((s) => [
      s.name,
      {
        ops: 0,
        elapsedS: 0,
        errors: 0,
        cpuS: 0,
        wakeups: 0,
        lastError: null,
        samples: new Samples(),
        runs: [],
      },
    ]),
  );
  for (const s of interleaved(systems, reps)) {
    progress.step(`${label}: ${s.name}`);
    const a = acc.get(s.name);
    const r = await run(s, a.samples);
    a.ops += r.ops;
    a.elapsedS += r.elapsedS;
    a.errors += r.errors;
    a.cpuS += r.cpuS;
    a.wakeups += r.wakeups;
    a.lastError = r.lastError ?? a.lastError;
    a.runs.push(r.ops / r.elapsedS);
  }
  return Object.fromEntries(
    [...acc].map(([name, a]) => [
      name,
      {
        perSec: a.ops / a.elapsedS,
        ops: a.ops,
        errors: a.errors,
        lastError: a.lastError,
        latencyMs: a.samples.summary(),
        cpuMsPerOp: a.ops ? (a.cpuS * 1000) / a.ops : null,
        serverCores: a.cpuS / a.elapsedS,
        // Thread wake-ups (voluntary context switches) of the server processes per operation.
        wakeupsPerOp: a.ops ? a.wakeups / a.ops : null,
        runsPerSec: a.runs,
      },
    ]),
  );
}

/** raftkit / etcd of each compared figure (null without etcd). */
function ratios(r, e) {
  if (!e) return null;
  return {
    perSec: r.perSec / e.perSec,
    p50: r.latencyMs.p50 / e.latencyMs.p50,
    p99: r.latencyMs.p99 / e.latencyMs.p99,
    cpuPerOp: r.cpuMsPerOp / e.cpuMsPerOp,
  };
}

export async function runTcp({ quick }) {
  const ms = quick ? 1000 : 4000;
  const warmupMs = quick ? 300 : 1000;
  const reps = quick ? 1 : 2;
  const idleMs = quick ? 2000 : 5000;
  const failoverReps = quick ? 2 : 10;
  const raftkit = new RaftkitSystem({ tickMs: HEARTBEAT_MS, electionTicks: ELECTION_MS / HEARTBEAT_MS });
  const etcd = await etcdSystem();
  const systems = [raftkit, ...(etcd.system ? [etcd.system] : [])];
  const config = {
    raftkit: raftkit.describe(),
    etcd: etcd.system ? etcd.system.describe() : `not measured: ${etcd.skipped}`,
    workload: `100-byte puts (keys k<client>-<n mod 1000>), closed loop, ${WRITE_CLIENTS.join('/')} clients; linearizable gets at ${READ_CLIENTS} clients; both systems' clients in this process`,
    order: `the systems alternate per measurement (${reps === 1 ? 'A B' : 'A B B A'}), each run ${warmupMs} ms warm-up + ${ms} ms measured`,
    cpu: 'server CPU = user + system time of the three server processes (/proc/<pid>/stat, all threads) over the measured part, divided by the operations; wake-ups = voluntary context switches of all their threads (/proc/<pid>/task/*/status)',
    idle: `both clusters idle at once for ${idleMs} ms (clients connected, no requests)`,
    failover: `kill -9 of the leader's process under a 1-client write loop (each write fails after ${FAILOVER_WRITE_DEADLINE_MS} ms on both systems; errors retried after 5 ms); time from the kill to the acknowledgement of the first write started after it; then the node restarts on its data and catches up; ${failoverReps} per system, alternating; election timeout ${ELECTION_MS} ms on both`,
  };
  const clients = new Map();
  try {
    for (const s of systems) {
      progress.step(`starting ${s.name} (3 processes)`);
      await s.start();
      clients.set(s.name, await s.connect(Math.max(...WRITE_CLIENTS)));
      await firstWrite(s, clients.get(s.name)[0]);
    }
    await sleep(1000);
    progress.step(`idle CPU over ${idleMs} ms`);
    const idle = await idleCpu(systems, idleMs);

    const writes = [];
    for (const n of WRITE_CLIENTS) {
      const by = await alternate(systems, reps, `${n} client(s) writing`, (s, samples) =>
        loadWithCpu(s, clients.get(s.name).slice(0, n), putOp(s), { ms, warmupMs, samples }),
      );
      writes.push({ clients: n, ...by, ratio: ratios(by.raftkit, by.etcd) });
    }
    const readBy = await alternate(systems, reps, `${READ_CLIENTS} clients reading`, (s, samples) =>
      loadWithCpu(s, clients.get(s.name).slice(0, READ_CLIENTS), getOp(s), { ms, warmupMs, samples }),
    );
    const reads = { clients: READ_CLIENTS, ...readBy, ratio: ratios(readBy.raftkit, readBy.etcd) };

    const failover = Object.fromEntries(
      systems.map((s) => [s.name, { samplesMs: [], timedOut: 0, errors: 0 }]),
    );
    const foClients = new Map();
    for (const s of systems) foClients.set(s.name, await s.failoverClient(FAILOVER_WRITE_DEADLINE_MS));
    for (const s of interleaved(systems, failoverReps)) {
      const i = failover[s.name].samplesMs.length + failover[s.name].timedOut + 1;
      progress.step(`failover ${i}/${failoverReps}: ${s.name}`);
      const r = await failoverOnce(s, foClients.get(s.name));
      if (r.ackMs === null) failover[s.name].timedOut++;
      else failover[s.name].samplesMs.push(r.ackMs);
      failover[s.name].errors += r.errors;
    }
    for (const s of systems) s.closeClients([foClients.get(s.name)]);

    return {
      config,
      etcdSkipped: etcd.skipped ?? null,
      idle,
      writes,
      reads,
      failover,
      // raftkit's write rows in the shape of the other rows (charts, older reports).
      results: writes.map((w) => ({
        clients: w.clients,
        writesPerSec: w.raftkit.perSec,
        writes: w.raftkit.ops,
        errors: w.raftkit.errors,
        lastError: w.raftkit.lastError,
        latencyMs: w.raftkit.latencyMs,
      })),
    };
  } finally {
    for (const s of systems) {
      if (clients.has(s.name)) s.closeClients(clients.get(s.name));
      await s.stop();
    }
  }
}
