// Row 4: linearizable reads (ReadIndex) and lease reads per second with 64
// clients on a 3-node worker cluster, through RaftClient.get().
import { VALUE } from '../fixtures.mjs';
import { closedLoop } from '../load.mjs';
import { progress } from '../progress.mjs';
import { ELECTION_TICKS, TICK_MS, withCluster } from './cluster.mjs';

const CLIENTS = 64;

/** How the leader confirmed `n` direct lease reads (ReadResult.mode), to show the lease was used. */
async function leaseModes(cluster, n) {
  const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
  const modes = {};
  for (let i = 0; i < n; i++) {
    const r = await cluster.node(leader).read('k0', 'lease');
    modes[r.mode] = (modes[r.mode] ?? 0) + 1;
  }
  return modes;
}

export async function runReads({ quick }) {
  const ms = quick ? 800 : 4000;
  const warmupMs = quick ? 250 : 1000;
  const storages = quick ? ['memory'] : ['memory', 'lmdb'];
  const config = {
    runtime: `createCluster({ nodes: 3, storage, tickMs: ${TICK_MS}, electionTicks: ${ELECTION_TICKS} }), checkQuorum on (the default), so lease reads are allowed`,
    workload: `${CLIENTS} closed-loop RaftClients, get(k<client>) of a 100-byte value; 'linearizable' = ReadIndex (the default readMode), 'lease' = leader lease (falls back to ReadIndex when lapsed)`,
    storages,
    measureMs: ms,
    warmupMs,
  };
  const results = [];
  for (const storage of storages) {
    await withCluster({ nodes: 3, storage }, async (cluster) => {
      const cs = Array.from({ length: CLIENTS }, () => cluster.client({ timeoutMs: 30_000 }));
      await Promise.all(cs.map((c, i) => c.put(`k${i}`, VALUE)));
      for (const consistency of ['linearizable', 'lease']) {
        progress.step(`${storage}, ${CLIENTS} clients, ${consistency} reads`);
        const r = await closedLoop(
          cs,
          async (c, i) => {
            const v = await c.get(`k${i}`, { consistency });
            if (v !== VALUE) throw new Error(`read k${i} returned ${JSON.stringify(v)?.slice(0, 40)}`);
          },
          { ms, warmupMs },
        );
        results.push({
          storage,
          consistency,
          mode: consistency === 'linearizable' ? 'readIndex' : 'lease',
          clients: CLIENTS,
          readsPerSec: r.opsPerSec,
          reads: r.ops,
          errors: r.errors,
          lastError: r.lastError,
          latencyMs: r.latencyMs,
        });
      }
      const modes = await leaseModes(cluster, 50);
      results[results.length - 1].leaseModesOf50DirectReads = modes;
      for (const c of cs) c.close();
    });
  }
  return { config, results };
}
