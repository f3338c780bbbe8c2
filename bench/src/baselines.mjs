// Published figures quoted by issue 8 (the targets' scale), and the targets.
import { evaluateEtcdAndScaleTargets } from './targets-etcd-scale.mjs';

export const PUBLISHED = {
  etcdRaft1: {
    perSec: 120_000,
    p50Ms: 0.006,
    what: 'etcd/raft (Go), 3 nodes in one process, in-memory, 1 proposer',
  },
  etcdRaft64: { perSec: 200_000, what: 'etcd/raft (Go), same, 64 proposers (190k-210k)' },
  hashicorp1: { perSec: 42_000, what: 'hashicorp/raft, 1 proposer' },
  hashicorp64: { perSec: 175_000, what: 'hashicorp/raft, 64 proposers' },
  etcdFailoverEt: 1.3,
  hashicorpFailoverEt: 3.0,
  etcdPublished: { perSec: 50_000, what: 'etcd, 3 x 8 vCPU with disks' },
  porcupineJepsenS: 0.75,
};

const get = (results, id) => (results.rows[id]?.status === 'ok' ? results.rows[id].data : null);

/**
 * Each target with where it stands in this run: issue 8's (the worker
 * cluster against published figures), then issue 17's (against a real etcd
 * cluster in the same run, and the worker data path's throughput).
 */
export function evaluateTargets(results) {
  const out = [];
  let group = 'issue 8';
  const add = (target, measured, met, ratio, note = '') =>
    out.push({
      group,
      target,
      measured,
      status: measured === null ? 'not measured' : met ? 'met' : 'missed',
      ratio,
      note,
    });

  const cluster = get(results, 'cluster');
  const find = (nodes, storage, clients) =>
    cluster?.results.find((r) => r.nodes === nodes && r.storage === storage && r.clients === clients) ?? null;
  const mem64 = find(3, 'memory', 64);
  const lmdb64 = find(3, 'lmdb', 64);
  add(
    '3 worker-thread nodes, memory, 64 clients: >= 200,000 committed writes/s',
    mem64 ? { writesPerSec: mem64.writesPerSec } : null,
    mem64 && mem64.writesPerSec >= 200_000,
    mem64 ? mem64.writesPerSec / 200_000 : null,
  );
  add(
    'the same on LMDB, synced before acknowledging: >= 50,000 committed writes/s',
    lmdb64 ? { writesPerSec: lmdb64.writesPerSec } : null,
    lmdb64 && lmdb64.writesPerSec >= 50_000,
    lmdb64 ? lmdb64.writesPerSec / 50_000 : null,
  );
  const core = get(results, 'core');
  const coreBest = core ? Math.max(...Object.values(core.byClients).map((r) => r.proposalsPerSec)) : null;
  add(
    'the core alone (row 2, one thread): >= 200,000 proposals/s',
    core
      ? {
          proposalsPerSec: coreBest,
          byClients: Object.fromEntries(
            Object.entries(core.byClients).map(([k, v]) => [k, v.proposalsPerSec]),
          ),
        }
      : null,
    core && coreBest >= 200_000,
    core ? coreBest / 200_000 : null,
    'best of the client counts',
  );
  const limits = get(results, 'limits');
  const rtt = limits?.messagePort.frameRoundTrip.p50 ?? null;
  const mem1 = find(3, 'memory', 1);
  add(
    '1 client: p50 write latency within 3 worker round trips (row 1)',
    mem1 && rtt ? { p50Ms: mem1.latencyMs.p50, roundTrips: mem1.latencyMs.p50 / rtt, rttMs: rtt } : null,
    mem1 && rtt && mem1.latencyMs.p50 <= 3 * rtt,
    mem1 && rtt ? (3 * rtt) / mem1.latencyMs.p50 : null,
    '3-node memory cluster; round trip = row 1 p50 of the typical frame',
  );
  const lmdb1 = find(3, 'lmdb', 1);
  add(
    '1 client: p99 write latency under 5 ms on LMDB',
    lmdb1 ? { p99Ms: lmdb1.latencyMs.p99 } : null,
    lmdb1 && lmdb1.latencyMs.p99 < 5,
    lmdb1 ? 5 / lmdb1.latencyMs.p99 : null,
  );
  const fo = get(results, 'failover')?.results.find((r) => r.defences.startsWith('preVote +')) ?? null;
  add(
    'failover median <= 1.3 election timeouts',
    fo ? { medianEt: fo.committedMs.medianEt, medianMs: fo.committedMs.p50 } : null,
    fo && fo.committedMs.medianEt <= 1.3,
    fo ? 1.3 / fo.committedMs.medianEt : null,
  );
  add(
    'failover p99 <= 2.5 election timeouts',
    fo ? { p99Et: fo.committedMs.p99Et, p99Ms: fo.committedMs.p99 } : null,
    fo && fo.committedMs.p99Et <= 2.5,
    fo ? 2.5 / fo.committedMs.p99Et : null,
  );
  const jep = get(results, 'checker')?.results.find((r) => r.label.startsWith('Jepsen')) ?? null;
  const jepBest = jep ? Math.min(jep.singleThreadMs, jep.poolMs) : null;
  add(
    'checker: all Jepsen histories in less time than Porcupine (Go), about 0.75 s',
    jep
      ? { singleThreadS: jep.singleThreadMs / 1000, poolS: jep.poolMs / 1000, histories: jep.histories }
      : null,
    jep && jepBest < 750,
    jep ? 750 / jepBest : null,
    'best of one thread and the pool',
  );
  const peers = get(results, 'peers');
  const peerRatios = peers
    ? peers.peers.flatMap((p) =>
        (p.rows ?? []).map((r) => ({ peer: p.peer, clients: r.clients, ratio: r.ratio })),
      )
    : [];
  const worst = peerRatios.length ? Math.max(...peerRatios.map((r) => r.ratio)) : null;
  add(
    'every JS peer at most half of raftkit throughput (ratio <= 0.5)',
    peerRatios.length ? { ratios: peerRatios } : null,
    worst !== null && worst <= 0.5,
    worst !== null ? 0.5 / worst : null,
    'ratio = peer / raftkit, same workload shape; worst case counts',
  );
  group = 'issue 17';
  evaluateEtcdAndScaleTargets(results, add);
  return out;
}
