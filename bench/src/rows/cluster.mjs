// Row 3: the worker-thread cluster (createCluster from @raftkit/runtime):
// 3 and 5 nodes, memory and LMDB storage, 1/16/64/256 concurrent clients
// doing 100-byte puts through RaftClient. Committed writes/s, latency
// percentiles, and from the nodes' status counters: Raft frames and storage
// transactions per committed write. The 3-node memory shape runs once more
// with `directLinks: false` (every Raft batch re-posted by the main-thread
// router, as before direct actor ports) for the ratio direct / router, and
// the 3-node LMDB shape with `parallelLeaderWrites: false` (the leader's
// appends wait for its own synced write) for the ratio parallel / serial.
import { createCluster } from '@raftkit/runtime';
import { VALUE } from '../fixtures.mjs';
import { closedLoop } from '../load.mjs';
import { progress } from '../progress.mjs';

export const CLUSTER_SHAPES = [
  { nodes: 3, storage: 'memory' },
  { nodes: 3, storage: 'lmdb' },
  { nodes: 5, storage: 'memory' },
  { nodes: 5, storage: 'lmdb' },
];
export const CLIENT_COUNTS = [1, 16, 64, 256];
/**
 * Runs of one shape again with a speed-up switched off, for the ratio in the
 * same run: `key` names their results, `options` go to createCluster and
 * into each result.
 */
export const COMPARISONS = [
  {
    key: 'viaRouter',
    step: 'via the router',
    nodes: 3,
    storage: 'memory',
    options: { directLinks: false },
    clients: [1, 64],
    config: 'again with directLinks: false (every batch through the main-thread router)',
  },
  {
    key: 'serialLeader',
    step: 'leader persists first',
    nodes: 3,
    storage: 'lmdb',
    options: { parallelLeaderWrites: false },
    clients: [1, 64],
    config:
      "again with parallelLeaderWrites: false (the leader's appends leave only after its own synced write)",
  },
];
export const TICK_MS = 20;
export const ELECTION_TICKS = 10;

export async function withCluster(opts, fn) {
  const cluster = await createCluster({ tickMs: TICK_MS, electionTicks: ELECTION_TICKS, ...opts });
  try {
    await cluster.waitForLeader({ timeoutMs: 15_000 });
    return await fn(cluster);
  } finally {
    await cluster.close();
  }
}

function sum(statuses, pick) {
  let t = 0;
  for (const s of Object.values(statuses)) if (s) t += pick(s);
  return t;
}

/** Counters from every node's status(), for per-write ratios. */
async function counters(cluster) {
  const st = await cluster.statuses();
  const leader = Object.values(st).find((s) => s?.role === 'leader') ?? null;
  return {
    leader: leader?.id ?? null,
    framesOut: sum(st, (s) => s.traffic.framesOut),
    batchesOut: sum(st, (s) => s.traffic.batchesOut),
    storageBatches: sum(st, (s) => s.storage.batches),
    readies: sum(st, (s) => s.traffic.readies),
    leaderStorageBatches: leader ? leader.storage.batches : 0,
    leaderFramesOut: leader ? leader.traffic.framesOut : 0,
    leaderMeanPersistMs: leader ? leader.storage.meanPersistMs : 0,
    routerBatches: cluster.router.stats().batchesDelivered,
  };
}

/** `clients` RaftClients putting 100-byte values; writes/s, latency and per-write counters. */
export async function putLoad(cluster, clients, { ms, warmupMs }) {
  const cs = Array.from({ length: clients }, () => cluster.client({ timeoutMs: 30_000 }));
  try {
    // Warm-up outside the counted window (JIT, LMDB map growth, leader hint).
    if (warmupMs > 0)
      await closedLoop(cs, (c, i, n) => c.put(`w${i}-${n % 100}`, VALUE), { ms: warmupMs, warmupMs: 0 });
    const before = await counters(cluster);
    // Leaders elected while measuring: an overloaded machine can starve a
    // leader's heartbeats past the election timeout.
    let newLeaders = 0;
    const onTransition = (e) => {
      if (e.to === 'leader') newLeaders++;
    };
    cluster.events.on('transition', onTransition);
    // The whole process: clients, main thread and every worker (getrusage of the process).
    const cpu0 = process.cpuUsage();
    const r = await closedLoop(cs, (c, i, n) => c.put(`k${i}-${n % 1000}`, VALUE), { ms, warmupMs: 0 });
    const cpu = process.cpuUsage(cpu0);
    cluster.events.off('transition', onTransition);
    const after = await counters(cluster);
    const w = r.ops || Number.NaN;
    const sameLeader = before.leader !== null && before.leader === after.leader;
    return {
      clients,
      writesPerSec: r.opsPerSec,
      writes: r.ops,
      errors: r.errors,
      lastError: r.lastError,
      latencyMs: r.latencyMs,
      // µs of CPU per committed write, all threads of this process (the clients included).
      cpuUsPerWrite: (cpu.user + cpu.system) / w,
      perWrite: {
        raftFrames: (after.framesOut - before.framesOut) / w,
        raftBatches: (after.batchesOut - before.batchesOut) / w,
        storageTxns: (after.storageBatches - before.storageBatches) / w,
        leaderStorageTxns: sameLeader ? (after.leaderStorageBatches - before.leaderStorageBatches) / w : null,
        leaderFrames: sameLeader ? (after.leaderFramesOut - before.leaderFramesOut) / w : null,
        readies: (after.readies - before.readies) / w,
        // Batches the main thread re-posted (0 between local actors on direct links).
        routerBatches: (after.routerBatches - before.routerBatches) / w,
      },
      leaderMeanPersistMs: after.leaderMeanPersistMs,
      leaderChanged: !sameLeader || newLeaders > 0,
      newLeaders,
    };
  } finally {
    for (const c of cs) c.close();
  }
}

export async function runClusterRow({ quick }) {
  const ms = quick ? 800 : 4000;
  const warmupMs = quick ? 250 : 1000;
  const config = {
    runtime: `createCluster({ nodes, storage, tickMs: ${TICK_MS}, electionTicks: ${ELECTION_TICKS} }); LMDB durability syncCommit (synced before acknowledging)`,
    workload: 'closed-loop RaftClients (one put at a time each), 100-byte values, keys k<client>-<n % 1000>',
    clients: CLIENT_COUNTS,
    measureMs: ms,
    warmupMs,
    counters:
      'status().traffic.framesOut and .batchesOut, status().storage.batches (LMDB transactions or memory batches), summed over all nodes; leader-only where the leader did not change; router batches: router.stats().batchesDelivered',
    ...Object.fromEntries(
      COMPARISONS.map((c) => [
        c.key,
        `${c.nodes} nodes, ${c.storage}, ${c.clients.join('/')} client(s) ${c.config}`,
      ]),
    ),
  };
  const results = [];
  for (const shape of CLUSTER_SHAPES) {
    await withCluster(shape, async (cluster) => {
      for (const clients of CLIENT_COUNTS) {
        progress.step(`${shape.nodes} nodes, ${shape.storage}, ${clients} client(s)`);
        const r = await putLoad(cluster, clients, { ms, warmupMs });
        results.push({ ...shape, ...r });
      }
    });
  }
  const compared = {};
  for (const c of COMPARISONS) {
    const shape = { nodes: c.nodes, storage: c.storage };
    compared[c.key] = [];
    await withCluster({ ...shape, ...c.options }, async (cluster) => {
      for (const clients of c.clients) {
        progress.step(`${c.nodes} nodes, ${c.storage}, ${clients} client(s), ${c.step}`);
        const r = await putLoad(cluster, clients, { ms, warmupMs });
        compared[c.key].push({ ...shape, ...c.options, ...r });
      }
    });
  }
  return { config, results, ...compared };
}
