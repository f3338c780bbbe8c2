// Row 8: JavaScript Raft peers in the same run and the same workload shape,
// each reported as a ratio to raftkit:
// - @coaty/consensus.raft (TypeScript port of etcd/raft): its ported RawNode,
//   3 nodes in one thread, driven by the same closed-loop harness as row 2;
//   compared with raftkit's RaftNode under that harness, measured right beside it.
// - @markwylde/liferaft: 3 nodes in-process (its own timers, levelup log),
//   closed-loop clients; compared with raftkit's 3-node worker cluster (row 3,
//   or measured here when row 3 did not run).
import { runClosedLoop } from '../inthread-harness.mjs';
import { coatyAdapter, loadCoaty } from '../peers/coaty.mjs';
import { loadLiferaft, runLiferaft } from '../peers/liferaft.mjs';
import { progress } from '../progress.mjs';
import { putLoad, withCluster } from './cluster.mjs';
import { raftkitCoreAdapter } from './core.mjs';

const CLIENTS = [1, 64];

async function coatyRows(ms, warmupMs) {
  let version;
  try {
    version = loadCoaty().version;
  } catch (e) {
    return { peer: '@coaty/consensus.raft', skipped: `cannot load its ported RawNode: ${e.message}` };
  }
  const rows = [];
  for (const clients of CLIENTS) {
    progress.step(`coaty etcd/raft port vs raftkit RaftNode, ${clients} client(s)`);
    const peer = runClosedLoop(coatyAdapter, { clients, ms, warmupMs });
    const raftkit = runClosedLoop(raftkitCoreAdapter, { clients, ms, warmupMs });
    rows.push({
      clients,
      peerPerSec: peer.proposalsPerSec,
      peerLatencyMs: peer.latencyMs,
      raftkitPerSec: raftkit.proposalsPerSec,
      raftkitLatencyMs: raftkit.latencyMs,
      ratio: peer.proposalsPerSec / raftkit.proposalsPerSec,
    });
  }
  return {
    peer: '@coaty/consensus.raft',
    version,
    against: 'raftkit RaftNode (@raftkit/core), same in-thread harness, measured beside it',
    config:
      'ported etcd/raft RawNode + MemoryStorage, 3 nodes in one thread, preVote + checkQuorum, maxInflightMsgs 64, 100-character string payloads (its RaftData is JSON); the Coaty/MQTT controller layer is not used',
    rows,
  };
}

async function liferaftRows(ms, warmupMs, clusterRow) {
  let version;
  try {
    version = loadLiferaft().version;
  } catch (e) {
    return { peer: '@markwylde/liferaft', skipped: `cannot load it: ${e.message}` };
  }
  const fromRow3 = (clients, storage) =>
    clusterRow?.results?.find((r) => r.nodes === 3 && r.storage === storage && r.clients === clients) ?? null;
  const rows = [];
  for (const clients of CLIENTS) {
    progress.step(`liferaft, ${clients} client(s)`);
    const peer = await runLiferaft({ clients, ms, warmupMs });
    let mem = fromRow3(clients, 'memory');
    if (!mem) {
      progress.step(`raftkit 3-node worker cluster (memory), ${clients} client(s), for the ratio`);
      mem = await withCluster({ nodes: 3, storage: 'memory' }, (c) => putLoad(c, clients, { ms, warmupMs }));
    }
    const lmdb = fromRow3(clients, 'lmdb');
    rows.push({
      clients,
      peerPerSec: peer.committedPerSec,
      peerLatencyMs: peer.latencyMs,
      peerLost: peer.lost,
      peerErrors: peer.errors,
      peerLastError: peer.lastError,
      raftkitPerSec: mem.writesPerSec,
      raftkitLatencyMs: mem.latencyMs,
      ratio: peer.committedPerSec / mem.writesPerSec,
      raftkitLmdbPerSec: lmdb?.writesPerSec ?? null,
      ratioToLmdb: lmdb ? peer.committedPerSec / lmdb.writesPerSec : null,
    });
  }
  return {
    peer: '@markwylde/liferaft',
    version,
    against: 'raftkit 3-node worker cluster, memory storage (and LMDB where row 3 ran), same client counts',
    config:
      "3 nodes in one process, in-process transport (JSON packets delivered on setImmediate), levelup/leveldown log (not fsynced), election 200-400 ms, heartbeat 50 ms; clients await the leader's 'commit' event (2 s timeout = lost)",
    rows,
  };
}

export async function runPeers({ quick }, resultsSoFar) {
  const ms = quick ? 700 : 3000;
  const warmupMs = quick ? 200 : 1000;
  const config = {
    clients: CLIENTS,
    measureMs: ms,
    warmupMs,
    target: 'every JS peer at most half of raftkit (ratio <= 0.5)',
  };
  const guard = async (peer, fn) => {
    try {
      return await fn();
    } catch (e) {
      return { peer, skipped: `could not be driven: ${e?.message ?? e}` };
    }
  };
  const coaty = await guard('@coaty/consensus.raft', () => coatyRows(ms, warmupMs));
  const liferaft = await guard('@markwylde/liferaft', () =>
    liferaftRows(ms, warmupMs, resultsSoFar.cluster?.data),
  );
  return { config, peers: [coaty, liferaft] };
}
