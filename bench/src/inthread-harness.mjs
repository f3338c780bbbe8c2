// Closed-loop clients over an in-thread 3-node cluster (rows 2 and 8): each of
// `clients` clients keeps one proposal outstanding and proposes again as soon
// as the leader reports it committed. The cluster is pumped synchronously
// (persist -> deliver messages -> step) until nothing moves, so the same
// harness measures raftkit's RaftNode and a peer's etcd/raft port alike.
//
// An adapter provides:
//   elect()                      make node 1 leader (pumping as needed)
//   propose(client)              one 100-byte proposal for `client` at the leader
//   pump(onCommit)               handle every Ready and deliver every message until
//                                quiet; call onCommit(client) for each of the
//                                leader's proposals that committed
//   steps                        messages stepped so far (all nodes)
import { Samples } from './stats.mjs';

export function runClosedLoop(makeAdapter, { clients, ms, warmupMs }) {
  const adapter = makeAdapter();
  adapter.elect();
  const run = (duration, record) => {
    const lat = new Samples();
    const startedAt = new Float64Array(clients);
    let committed = 0;
    const onCommit = (c) => {
      committed++;
      if (record) lat.push(performance.now() - startedAt[c]);
      idle.push(c);
    };
    let idle = Array.from({ length: clients }, (_, i) => i);
    const steps0 = adapter.steps;
    const t0 = performance.now();
    const end = t0 + duration;
    let rounds = 0;
    while (performance.now() < end) {
      const now = performance.now();
      const ready = idle;
      idle = [];
      for (const c of ready) {
        startedAt[c] = now;
        adapter.propose(c);
      }
      adapter.pump(onCommit);
      rounds++;
      if (idle.length === 0) throw new Error(`${adapter.name}: no proposal committed in a round`);
    }
    const s = (performance.now() - t0) / 1000;
    return {
      proposalsPerSec: committed / s,
      stepsPerSec: (adapter.steps - steps0) / s,
      committed,
      rounds,
      latencyMs: lat.summary(),
    };
  };
  if (warmupMs > 0) run(warmupMs, false);
  return run(ms, true);
}
