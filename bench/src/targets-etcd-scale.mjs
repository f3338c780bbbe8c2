// The targets measured against a real etcd cluster (row 6) and the worker
// data path's throughput targets (row 3), each as a same-run ratio.
import { failoverSummary } from './tcp/table-lines.mjs';

const get = (results, id) => (results.rows[id]?.status === 'ok' ? results.rows[id].data : null);

export function evaluateEtcdAndScaleTargets(results, add) {
  const tcp = get(results, 'tcp');
  const vsEtcd = tcp?.writes && !tcp.etcdSkipped ? tcp : null;
  const why = tcp?.etcdSkipped ? `etcd not measured: ${tcp.etcdSkipped}` : '';
  const w = (n) => vsEtcd?.writes.find((x) => x.clients === n) ?? null;

  const many = [16, 64, 256].map(w).filter(Boolean);
  const worst = many.length ? Math.min(...many.map((x) => x.ratio.perSec)) : null;
  add(
    'TCP, 3 processes, LMDB: writes/s >= 1.5x etcd at 16, 64 and 256 clients',
    many.length
      ? { ratios: many.map((x) => `${x.clients}: ${x.ratio.perSec.toFixed(2)}x`).join(', ') }
      : null,
    worst !== null && worst >= 1.5,
    worst !== null ? worst / 1.5 : null,
    why || 'raftkit / etcd writes/s per client count; the worst counts',
  );
  const one = w(1);
  add(
    'TCP: 1-client p50 <= etcd p50',
    one ? { raftkitP50Ms: one.raftkit.latencyMs.p50, etcdP50Ms: one.etcd.latencyMs.p50 } : null,
    one && one.raftkit.latencyMs.p50 <= one.etcd.latencyMs.p50,
    one ? one.etcd.latencyMs.p50 / one.raftkit.latencyMs.p50 : null,
    why,
  );
  const all = vsEtcd ? vsEtcd.writes : [];
  const worstCpu = all.length ? Math.max(...all.map((x) => x.ratio.cpuPerOp)) : null;
  add(
    "TCP: server CPU per write <= etcd's at every client count",
    all.length
      ? { ratios: all.map((x) => `${x.clients}: ${x.ratio.cpuPerOp.toFixed(2)}x`).join(', ') }
      : null,
    worstCpu !== null && worstCpu <= 1,
    worstCpu !== null ? 1 / worstCpu : null,
    why || 'raftkit / etcd CPU per write; the worst counts',
  );
  const idle = vsEtcd ? tcp.idle : null;
  add(
    "TCP: an idle 3-node cluster uses no more CPU than etcd's",
    idle ? { raftkitCores: idle.raftkit.cores, etcdCores: idle.etcd.cores } : null,
    idle && idle.raftkit.cores <= idle.etcd.cores,
    idle ? idle.etcd.cores / idle.raftkit.cores : null,
    why,
  );
  const fr = vsEtcd ? failoverSummary(tcp.failover.raftkit) : null;
  const fe = vsEtcd ? failoverSummary(tcp.failover.etcd) : null;
  add(
    "TCP failover (kill -9 of the leader, same election timeout): p99 <= etcd's",
    fr ? { raftkitP99Ms: fr.p99Ms, etcdP99Ms: fe.p99Ms } : null,
    fr && fr.p99Ms <= fe.p99Ms,
    fr ? fe.p99Ms / fr.p99Ms : null,
    why,
  );
  add(
    "TCP failover: median <= 1.0x etcd's",
    fr ? { raftkitMedianMs: fr.medianMs, etcdMedianMs: fe.medianMs } : null,
    fr && fr.medianMs <= fe.medianMs,
    fr ? fe.medianMs / fr.medianMs : null,
    why,
  );
  const reads = vsEtcd ? tcp.reads : null;
  add(
    'TCP: linearizable reads at 64 clients stay >= 3x etcd',
    reads ? { ratio: `${reads.ratio.perSec.toFixed(2)}x` } : null,
    reads && reads.ratio.perSec >= 3,
    reads ? reads.ratio.perSec / 3 : null,
    why,
  );

  const cluster = get(results, 'cluster');
  const find = (storage, clients) =>
    cluster?.results.find((r) => r.nodes === 3 && r.storage === storage && r.clients === clients) ?? null;
  const mem64 = find('memory', 64);
  add(
    'worker threads, 3 nodes, memory, 64 clients: >= 100,000 writes/s',
    mem64 ? { writesPerSec: mem64.writesPerSec } : null,
    mem64 && mem64.writesPerSec >= 100_000,
    mem64 ? mem64.writesPerSec / 100_000 : null,
  );
  add(
    'the same: CPU per committed write (all threads) <= 20 µs',
    mem64?.cpuUsPerWrite ? { cpuPerWriteUs: mem64.cpuUsPerWrite } : null,
    mem64?.cpuUsPerWrite && mem64.cpuUsPerWrite <= 20,
    mem64?.cpuUsPerWrite ? 20 / mem64.cpuUsPerWrite : null,
    'process CPU (getrusage) over the measured part, clients included',
  );
  const lmdb256 = find('lmdb', 256);
  add(
    'worker threads, 3 nodes, LMDB, 256 clients: >= 50,000 writes/s',
    lmdb256 ? { writesPerSec: lmdb256.writesPerSec } : null,
    lmdb256 && lmdb256.writesPerSec >= 50_000,
    lmdb256 ? lmdb256.writesPerSec / 50_000 : null,
  );
  const growth = get(results, 'growth');
  const g = growth?.keys >= 1_000_000 ? growth : null;
  const gWhy = growth ? `only ${growth.keys} keys loaded (--quick)` : 'the growth row did not run';
  add(
    'state growth, 1M keys: writes/s at 1M >= 0.9x at 10k',
    g ? { early: g.writesPerSec.early, late: g.writesPerSec.late, ratio: g.ratio } : null,
    g && g.ratio >= 0.9,
    g ? g.ratio / 0.9 : null,
    g ? 'row 10: writes/s in a window of writes at 10k keys and at 1M' : gWhy,
  );
  add(
    'state growth: memory per replica <= 3x the raw keys + values',
    g ? { perReplicaMB: g.memory.perReplicaBytes / 1e6, rawMB: g.memory.rawBytes / 1e6 } : null,
    g && g.memory.perReplicaVsRaw <= 3,
    g ? 3 / g.memory.perReplicaVsRaw : null,
    g ? 'process RSS growth over the load / 3 replicas' : gWhy,
  );
  add(
    'state growth: restart of a node at 1M keys <= 3 s',
    g ? { caughtUpMs: g.restart.caughtUpMs } : null,
    g && g.restart.caughtUpMs <= 3000,
    g ? 3000 / g.restart.caughtUpMs : null,
    g ? 'kill of a follower, restart, until it applied the commit index' : gWhy,
  );
}
