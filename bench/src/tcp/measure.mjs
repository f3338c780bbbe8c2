// The TCP row's measurements, each run on one system (raftkit-system.mjs or
// etcd-system.mjs) with the same client shape: closed-loop writes and reads
// with the servers' CPU, idle CPU, and leader failover under one client.
import { VALUE } from '../fixtures.mjs';
import { closedLoop } from '../load.mjs';
import { sleep } from '../stats.mjs';
import { cpuSnapshot, usedSince } from './proc-cpu.mjs';

/** A B B A A B ...: `reps` passes over the systems, each first and last equally often. */
export function interleaved(systems, reps) {
  const out = [];
  for (let r = 0; r < reps; r++) out.push(...(r % 2 === 0 ? systems : [...systems].reverse()));
  return out;
}

/**
 * `clients.length` clients in a closed loop of `op` for `ms` after `warmupMs`;
 * latencies go to `samples`; the servers' CPU is measured over the timed part only.
 */
export async function loadWithCpu(system, clients, op, { ms, warmupMs, samples }) {
  if (warmupMs > 0) await closedLoop(clients, op, { ms: warmupMs, warmupMs: 0 });
  const pids = system.pids();
  const before = cpuSnapshot(pids);
  const r = await closedLoop(clients, op, { ms, warmupMs: 0, samples });
  const used = usedSince(before, pids);
  return {
    ops: r.ops,
    elapsedS: r.elapsedS,
    errors: r.errors,
    lastError: r.lastError,
    cpuS: used.cpuS,
    wakeups: used.wakeups,
  };
}

export const putOp = (system) => (c, i, k) => system.put(c, `k${i}-${k % 1000}`, VALUE);
export const getOp = (system) => (c, i) => system.get(c, `k${i}-0`);

/** CPU of each system's idle servers over the same `ms` (clients connected, no requests). */
export async function idleCpu(systems, ms) {
  const snaps = systems.map((s) => ({ s, pids: s.pids(), before: null }));
  for (const x of snaps) x.before = cpuSnapshot(x.pids);
  const t0 = performance.now();
  await sleep(ms);
  const wallS = (performance.now() - t0) / 1000;
  return Object.fromEntries(
    snaps.map(({ s, pids, before }) => {
      const used = usedSince(before, pids);
      return [s.name, { cores: used.cpuS / wallS, wakeupsPerSec: used.wakeups / wallS, wallS }];
    }),
  );
}

/**
 * One failover: a client (system.failoverClient: each write fails after a
 * deadline, the same for both systems) writes in a closed loop, an error is
 * retried after 5 ms; after `leadMs` the leader's process gets kill -9. The
 * result is the time from the kill to the acknowledgement of the first write
 * that started after it. Then the killed node is restarted and caught up.
 */
export async function failoverOnce(system, client, { leadMs = 500, deadlineMs = 30_000 } = {}) {
  const leader = await system.leader();
  if (!leader) throw new Error(`${system.name}: no leader before the failover`);
  let killedAt = null;
  let ackMs = null;
  let errors = 0;
  const loop = (async () => {
    for (let n = 0; ackMs === null; n++) {
      const started = performance.now();
      if (killedAt !== null && started - killedAt > deadlineMs) break;
      try {
        await system.put(client, `failover-${n % 100}`, VALUE);
        if (killedAt !== null && started >= killedAt) ackMs = performance.now() - killedAt;
      } catch {
        errors++;
        await sleep(5);
      }
    }
  })();
  await sleep(leadMs);
  killedAt = performance.now();
  await system.kill(leader);
  await loop;
  await system.restart(leader);
  const end = performance.now() + 60_000;
  while (!(await system.caughtUp().catch(() => false))) {
    if (performance.now() > end) throw new Error(`${system.name}: ${leader} did not catch up within 60 s`);
    await sleep(100);
  }
  return { leader, ackMs, errors };
}
