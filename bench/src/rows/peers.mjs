// Row 8: JavaScript Raft peers in the same run and the same workload shape,
// each reported as a ratio to raftkit:
// - @coaty/consensus.raft (TypeScript port of etcd/raft): its ported RawNode,
//   3 nodes in one thread, driven by the same closed-loop harness as row 2;
//   compared with raftkit's RaftNode under that harness, measured right beside it.
// - @markwylde/liferaft: 3 nodes in-process (its own timers, levelup log),
//   closed-loop clients; compared with raftkit's 3-node worker cluster (row 3,
//   or measured here when row 3 did not run).
import { VALUE } from '../fixtures.mjs';
import { compareClosedLoop } from '../inthread-harness.mjs';
import { closedLoop } from '../load.mjs';
import { coatyAdapter, loadCoaty } from '../peers/coaty.mjs';
import { loadLiferaft, startLiferaftLoad } from '../peers/liferaft.mjs';
import { progress } from '../progress.mjs';
import { Samples } from '../stats.mjs';
import { withCluster } from './cluster.mjs';
import { raftkitCoreAdapter } from './core.mjs';

const CLIENTS = [1, 64];
/** Each side's measured time is split into this many alternating slices. */
const SLICES = 4;

async function coatyRows(ms, warmupMs) {
  let version;
  try {
    version = loadCoaty().version;
  } catch (e) {
    return { peer: '@coaty/consensus.raft', skipped: `cannot load its ported RawNode: ${e.message}` };
  }
  const rows = [];
  for (const clients of CLIENTS) {
    progress.step(`coaty etcd/raft port vs raftkit RaftNode, ${clients} client(s), alternating slices`);
    const { a: peer, b: raftkit } = compareClosedLoop(coatyAdapter, raftkitCoreAdapter, {
      clients,
      ms,
      warmupMs,
      slices: SLICES,
    });
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
    against: 'raftkit RaftNode (@raftkit/core), same in-thread harness, measured in alternating slices',
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
  // Both clusters run at once and are measured in alternating slices
  // (liferaft, raftkit, liferaft, ...), so both see the same machine load;
  // row 3's figures, measured earlier in the run, are kept beside.
  for (const clients of CLIENTS) {
    progress.step(
      `liferaft vs raftkit 3-node worker cluster (memory), ${clients} client(s), alternating slices`,
    );
    const peer = await startLiferaftLoad({ clients });
    try {
      const r = await withCluster({ nodes: 3, storage: 'memory' }, async (cluster) => {
        const cs = Array.from({ length: clients }, () => cluster.client({ timeoutMs: 30_000 }));
        const put = (c, i, n) => c.put(`k${i}-${n % 1000}`, VALUE);
        await peer.phase(warmupMs);
        await closedLoop(cs, put, { ms: warmupMs, warmupMs: 0 });
        const latPeer = new Samples();
        const latMine = new Samples();
        const p = { committed: 0, lost: 0, seconds: 0 };
        const m = { ops: 0, seconds: 0 };
        for (let i = 0; i < SLICES; i++) {
          const x = await peer.phase(ms / SLICES, latPeer);
          p.committed += x.committed;
          p.lost += x.lost;
          p.seconds += x.seconds;
          const y = await closedLoop(cs, put, { ms: ms / SLICES, warmupMs: 0, samples: latMine });
          m.ops += y.ops;
          m.seconds += y.elapsedS;
        }
        for (const c of cs) c.close();
        return {
          peerPerSec: p.committed / p.seconds,
          peerLost: p.lost,
          peerLatencyMs: latPeer.summary(),
          raftkitPerSec: m.ops / m.seconds,
          raftkitLatencyMs: latMine.summary(),
        };
      });
      const st = peer.status();
      const row3 = fromRow3(clients, 'memory');
      const lmdb = fromRow3(clients, 'lmdb');
      rows.push({
        clients,
        ...r,
        peerErrors: st.errors,
        peerLastError: st.lastError,
        peerLeaderStillLeads: st.leaderStillLeads,
        peerNotLeaderRetries: st.notLeaderRetries,
        peerLeaderChanges: st.leaderChanges,
        ratio: r.peerPerSec / r.raftkitPerSec,
        raftkitRow3PerSec: row3?.writesPerSec ?? null,
        ratioToRow3: row3 ? r.peerPerSec / row3.writesPerSec : null,
        raftkitLmdbPerSec: lmdb?.writesPerSec ?? null,
        ratioToLmdb: lmdb ? r.peerPerSec / lmdb.writesPerSec : null,
      });
    } finally {
      await peer.close();
    }
  }
  return {
    peer: '@markwylde/liferaft',
    version,
    against:
      'raftkit 3-node worker cluster, memory storage, same client counts, both running, measured in alternating slices (row 3 memory and LMDB figures beside)',
    config:
      "3 nodes in one process, in-process transport (JSON packets delivered on setImmediate), levelup/leveldown log (not fsynced), election 200-400 ms, heartbeat 50 ms; clients await the leader's 'commit' event (2 s timeout = lost); commands are handed to liferaft one at a time (its log assigns index last + 1 without serializing concurrent commands, which overwrote each other), their commits awaited concurrently; a NOTLEADER command is retried (up to 8 times, backoff 10-160 ms) on the node leading then",
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
