// Row 10: does raftkit scale with the state? 3 worker-thread nodes on LMDB
// (one process), 64 closed-loop clients put distinct keys with 100-byte
// values until the store holds `keys` keys (1M; 100k in --quick). Reported:
// writes/s in a window of writes around 10k keys and in the last window
// before `keys` (the ratio shows whether anything on the write path costs
// O(state), e.g. snapshots serializing the whole map), memory per replica
// (the process's RSS growth over the load / 3) against the raw keys and
// values, and the restart of a follower at that size (kill, restart: until
// its worker runs, and until it has applied what the leader had committed).
import { performance } from 'node:perf_hooks';
import * as installedRuntime from '@raftkit/runtime';
import { VALUE_BYTES } from '../fixtures.mjs';
import { progress } from '../progress.mjs';
import { fmtCount } from '../stats.mjs';

export const GROWTH = {
  full: { keys: 1_000_000, window: 20_000 },
  quick: { keys: 100_000, window: 10_000 },
  clients: 64,
  /** The early window starts here (the rate "at 10k keys"). */
  earlyAt: 10_000,
};

/** Every completed write's count is stamped every STAMP_EVERY writes. */
const STAMP_EVERY = 1000;

/** Key i: 'g' + i in base 36, zero-padded (8 bytes, distinct, unordered enough). */
export const growthKey = (i) => `g${i.toString(36).padStart(7, '0')}`;

/** A 100-byte value that differs per key (so the snapshot's compression has real work). */
export function growthValue(i) {
  let x = (i * 2654435761) >>> 0 || 1;
  let s = '';
  for (let j = 0; j < VALUE_BYTES; j++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    s += String.fromCharCode(97 + (x % 26));
  }
  return s;
}

/** Writes/s between the stamps for `from` and `to` completed writes. */
export function windowRate(stamps, from, to) {
  const a = stamps[Math.round(from / STAMP_EVERY)];
  const b = stamps[Math.round(to / STAMP_EVERY)];
  if (a === undefined || b === undefined || b <= a) return null;
  return (to - from) / ((b - a) / 1000);
}

async function statusOf(cluster, id) {
  return (await cluster.statuses())[id] ?? null;
}

/**
 * Loads `keys` keys into a fresh 3-node LMDB cluster of `runtime` (the
 * installed @raftkit/runtime unless another build is given) and measures.
 * `options` go to createCluster (e.g. snapshot settings).
 */
export async function measureGrowth({ keys, window }, { runtime = installedRuntime, options = {} } = {}) {
  const { createCluster, waitFor } = runtime;
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const cluster = await createCluster({ nodes: 3, storage: 'lmdb', ...options });
  try {
    await cluster.waitForLeader({ timeoutMs: 15_000 });
    const clients = Array.from({ length: GROWTH.clients }, () => cluster.client({ timeoutMs: 60_000 }));
    let next = 0;
    let done = 0;
    let errors = 0;
    let maxLatencyMs = 0;
    const stamps = [performance.now()];
    let rawBytes = 0;
    let lastReport = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        while (next < keys) {
          const i = next++;
          const key = growthKey(i);
          const value = growthValue(i);
          const s = performance.now();
          for (;;) {
            try {
              await c.put(key, value);
              break;
            } catch {
              errors++;
            }
          }
          const now = performance.now();
          maxLatencyMs = Math.max(maxLatencyMs, now - s);
          rawBytes += key.length + value.length;
          done++;
          if (done % STAMP_EVERY === 0) stamps[done / STAMP_EVERY] = now;
          if (now - lastReport > 10_000) {
            lastReport = now;
            progress.step(
              `${fmtCount(done)} keys, ${fmtCount(windowRate(stamps, Math.max(0, done - 10_000 - (done % STAMP_EVERY)), done - (done % STAMP_EVERY)) ?? 0)} writes/s`,
            );
          }
        }
      }),
    );
    const loadS = (stamps.at(-1) - stamps[0]) / 1000;
    const early = windowRate(stamps, GROWTH.earlyAt, GROWTH.earlyAt + window);
    const late = windowRate(stamps, keys - window, keys);
    const statuses = await cluster.statuses();
    const leaderId = Object.values(statuses).find((s) => s?.role === 'leader')?.id ?? null;
    const snapshots = Object.values(statuses).map((s) => s?.snapshots ?? null);
    // Full state-hash checks run during the load (each serializes and restores the whole state).
    const hashChecks = Object.values(statuses).map((s) => s?.hashChecks.runs ?? null);
    global.gc?.();
    const rss1 = process.memoryUsage().rss;
    const perReplicaBytes = (rss1 - rss0) / 3;

    // Restart of a follower with the whole state: kill its worker, start it again.
    const follower = Object.keys(statuses).find((id) => id !== leaderId);
    progress.step(`restarting ${follower} at ${fmtCount(keys)} keys`);
    await cluster.kill(follower);
    const leaderCommit = Math.max(...Object.values(await cluster.statuses()).map((s) => s?.commitIndex ?? 0));
    const r0 = performance.now();
    await cluster.restart(follower);
    const startedMs = performance.now() - r0;
    await waitFor(async () => ((await statusOf(cluster, follower))?.appliedIndex ?? 0) >= leaderCommit, {
      timeoutMs: 120_000,
      intervalMs: 20,
      what: `${follower} to apply ${leaderCommit} after its restart`,
    });
    const caughtUpMs = performance.now() - r0;
    for (const c of clients) c.close?.();
    return {
      keys,
      clients: GROWTH.clients,
      window,
      loadS,
      errors,
      maxLatencyMs,
      writesPerSec: { early, late, overall: keys / loadS, earlyAt: GROWTH.earlyAt, lateAt: keys - window },
      ratio: early && late ? late / early : null,
      memory: {
        rawBytes,
        rssBefore: rss0,
        rssAfter: rss1,
        perReplicaBytes,
        perReplicaVsRaw: perReplicaBytes / rawBytes,
        // Each worker's V8 heap and external memory (what its isolate holds; RSS also has LMDB's map).
        heaps: Object.values(statuses).map((s) => s?.memory ?? null),
      },
      restart: { node: follower, startedMs, caughtUpMs, appliedTarget: leaderCommit },
      snapshots,
      hashChecks,
      options,
      rateCurve: stamps.map((t, k) => [k * STAMP_EVERY, t - stamps[0]]).filter((_, k) => k % 10 === 0),
    };
  } finally {
    await cluster.close();
  }
}

export async function runGrowth({ quick }) {
  const shape = quick ? GROWTH.quick : GROWTH.full;
  progress.step(`loading ${fmtCount(shape.keys)} keys of ${VALUE_BYTES} B with ${GROWTH.clients} clients`);
  const r = await measureGrowth(shape);
  return {
    config: `3 worker-thread nodes, LMDB, one process, ${GROWTH.clients} clients, ${fmtCount(shape.keys)} distinct keys of 8 B with ${VALUE_BYTES}-B values${quick ? ' (--quick: 100k keys; the full run loads 1M)' : ''}; the runtime's default snapshot settings`,
    ...r,
  };
}
