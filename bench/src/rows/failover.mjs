// Row 5: failover. Isolate the leader of a 3-node worker cluster and time
// until a write commits through a new leader; repeated; with the split-brain
// defences on (Pre-Vote and CheckQuorum, the defaults) and off.
import { createCluster, waitFor } from '@raftkit/runtime';
import { progress } from '../progress.mjs';
import { summarize } from '../stats.mjs';
import { ELECTION_TICKS, TICK_MS } from './cluster.mjs';

const ELECTION_TIMEOUT_MS = ELECTION_TICKS * TICK_MS;

/** Resolves with the first node other than `old` to become leader. */
function nextLeader(cluster, old, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cluster.events.off('transition', on);
      reject(new Error(`no new leader within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (e) => {
      if (e.to === 'leader' && e.node !== old) {
        clearTimeout(timer);
        cluster.events.off('transition', on);
        resolve(e.node);
      }
    };
    cluster.events.on('transition', on);
  });
}

/** Until every node follows one leader in one term and has applied what it committed. */
async function settled(cluster) {
  await waitFor(
    async () => {
      const st = Object.values(await cluster.statuses());
      if (st.some((s) => !s)) return false;
      const leader = st.find((s) => s.role === 'leader');
      if (!leader) return false;
      return st.every(
        (s) => s.leader === leader.id && s.term === leader.term && s.appliedIndex >= leader.commitIndex,
      );
    },
    { timeoutMs: 15_000, intervalMs: 10, what: 'the cluster to settle after heal' },
  );
}

async function failovers(defences, reps) {
  const cluster = await createCluster({
    nodes: 3,
    storage: 'lmdb',
    tickMs: TICK_MS,
    electionTicks: ELECTION_TICKS,
    preVote: defences,
    checkQuorum: defences,
  });
  const electedMs = [];
  const committedMs = [];
  // Campaigns started between the isolation and the committed write: a
  // pre-vote or vote round that fails costs another randomized timeout.
  const campaigns = { preCandidate: 0, candidate: 0 };
  let counting = false;
  const countCampaigns = (e) => {
    if (counting && (e.to === 'preCandidate' || e.to === 'candidate')) campaigns[e.to]++;
  };
  cluster.events.on('transition', countCampaigns);
  try {
    await cluster.waitForLeader({ timeoutMs: 15_000 });
    for (let r = 0; r < reps; r++) {
      await settled(cluster);
      const old = await cluster.waitForLeader({ timeoutMs: 10_000 });
      await cluster.client({ via: old, timeoutMs: 5000 }).put('before', `${r}`);
      const elected = nextLeader(cluster, old, 15_000);
      const t0 = performance.now();
      counting = true;
      cluster.isolate(old);
      const leader = await elected;
      electedMs.push(performance.now() - t0);
      // A write through the new leader (following redirects should it lose leadership at once).
      const client = cluster.client({
        initialNode: leader,
        timeoutMs: 10_000,
        attemptTimeoutMs: 100,
        retryBaseMs: 5,
        retryMaxMs: 20,
      });
      await client.put('failover', `${r}`);
      committedMs.push(performance.now() - t0);
      counting = false;
      client.close();
      cluster.heal();
    }
  } finally {
    await cluster.close();
  }
  const toEt = (s) => ({ ...s, medianEt: s.p50 / ELECTION_TIMEOUT_MS, p99Et: s.p99 / ELECTION_TIMEOUT_MS });
  return {
    defences: defences ? 'preVote + checkQuorum (default)' : 'preVote off, checkQuorum off',
    reps,
    campaignsPerFailover: {
      preCandidate: campaigns.preCandidate / reps,
      candidate: campaigns.candidate / reps,
    },
    electedMs: toEt(summarize(electedMs)),
    committedMs: toEt(summarize(committedMs)),
    samplesMs: committedMs.map((x) => Math.round(x)),
  };
}

export async function runFailover({ quick }) {
  const reps = quick ? 4 : 20;
  const config = {
    runtime: `createCluster({ nodes: 3, storage: 'lmdb', tickMs: ${TICK_MS}, electionTicks: ${ELECTION_TICKS} }): election timeout ${ELECTION_TIMEOUT_MS} ms base, randomized in [${ELECTION_TIMEOUT_MS}, ${2 * ELECTION_TIMEOUT_MS}) ms`,
    procedure:
      'settle, write via the leader, isolate it (router fault table), time until a write commits through the new leader (client starting at the node whose statechart reported leader first), heal',
    reps,
    electionTimeoutMs: ELECTION_TIMEOUT_MS,
  };
  const results = [];
  for (const defences of [true, false]) {
    progress.step(
      `${reps} failovers, ${defences ? 'Pre-Vote + CheckQuorum on' : 'Pre-Vote/CheckQuorum off'}`,
    );
    results.push(await failovers(defences, reps));
  }
  return { config, results };
}
