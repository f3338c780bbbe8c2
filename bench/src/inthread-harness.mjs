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

/** An elected in-thread cluster whose closed loop can be run in slices. */
export function closedLoopRunner(makeAdapter, clients) {
  const adapter = makeAdapter();
  adapter.elect();
  /** Runs for `duration` ms; latencies go to `lat` (a Samples) when given. */
  const run = (duration, lat = null) => {
    const startedAt = new Float64Array(clients);
    let committed = 0;
    let idle = Array.from({ length: clients }, (_, i) => i);
    const onCommit = (c) => {
      committed++;
      if (lat) lat.push(performance.now() - startedAt[c]);
      idle.push(c);
    };
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
    return { committed, steps: adapter.steps - steps0, rounds, seconds: (performance.now() - t0) / 1000 };
  };
  return { name: adapter.name, run };
}

function summaryOf(parts, lat) {
  const seconds = parts.reduce((a, p) => a + p.seconds, 0);
  const committed = parts.reduce((a, p) => a + p.committed, 0);
  return {
    proposalsPerSec: committed / seconds,
    stepsPerSec: parts.reduce((a, p) => a + p.steps, 0) / seconds,
    committed,
    rounds: parts.reduce((a, p) => a + p.rounds, 0),
    latencyMs: lat.summary(),
  };
}

export function runClosedLoop(makeAdapter, { clients, ms, warmupMs }) {
  const runner = closedLoopRunner(makeAdapter, clients);
  if (warmupMs > 0) runner.run(warmupMs);
  const lat = new Samples();
  return summaryOf([runner.run(ms, lat)], lat);
}

/**
 * Two clusters measured in alternating slices (A, B, A, B, ...), so that both
 * see the same machine load; `ms` is each side's total measured time.
 */
export function compareClosedLoop(makeA, makeB, { clients, ms, warmupMs, slices = 4 }) {
  const a = closedLoopRunner(makeA, clients);
  const b = closedLoopRunner(makeB, clients);
  if (warmupMs > 0) {
    a.run(warmupMs);
    b.run(warmupMs);
  }
  const latA = new Samples();
  const latB = new Samples();
  const partsA = [];
  const partsB = [];
  for (let i = 0; i < slices; i++) {
    partsA.push(a.run(ms / slices, latA));
    partsB.push(b.run(ms / slices, latB));
  }
  return { a: summaryOf(partsA, latA), b: summaryOf(partsB, latB) };
}
