/**
 * A small randomized schedule runner for safety checks: random ticks,
 * reordered / dropped / duplicated messages, partitions, crashes that lose
 * unsynced writes, restarts and proposals, all from one seed. After every
 * step it checks election safety, state machine safety and that committed
 * outcomes match what was applied.
 */
import type { RaftConfig } from '@raftkit/core';
import { bytes, text } from './builders.js';
import { Cluster } from './cluster.js';
import { type Entry, type NodeId, SeededRngForTests } from './rng.js';
import type { NodeOptions } from './single.js';

export interface FuzzResult {
  readonly leadersByTerm: Map<number, NodeId>;
  readonly committedIndex: number;
  readonly elections: number;
  readonly proposals: number;
  readonly committedOutcomes: number;
}

export interface FuzzOptions {
  readonly nodes?: number;
  readonly steps?: number;
  readonly config?: NodeOptions;
  readonly wrapConfig?: (config: RaftConfig) => RaftConfig;
}

export function runFuzz(seed: number, opts: FuzzOptions = {}): FuzzResult {
  const ids = Array.from({ length: opts.nodes ?? 3 }, (_, i) => `n${i + 1}`);
  const rng = new SeededRngForTests(seed);
  const c = new Cluster(ids, {
    seed,
    config: { electionTicks: 8, heartbeatTicks: 2, ...opts.config },
    wrapConfig: opts.wrapConfig,
  });
  const leadersByTerm = new Map<number, NodeId>();
  const chosen = new Map<number, Entry>(); // index -> the entry every node must apply there
  let proposals = 0;
  let committedOutcomes = 0;
  let elections = 0;
  const fail = (msg: string): never => {
    throw new Error(`seed ${seed}: ${msg}`);
  };

  const check = () => {
    for (const id of ids) {
      const cn = c.n(id);
      for (const t of cn.transitions.splice(0)) {
        if (t.to !== 'leader') continue;
        elections++;
        const prev = leadersByTerm.get(t.term);
        if (prev !== undefined && prev !== id) fail(`two leaders in term ${t.term}: ${prev} and ${id}`);
        leadersByTerm.set(t.term, id);
      }
      for (const e of cn.applied.splice(0)) {
        const known = chosen.get(e.index);
        if (known && (known.term !== e.term || text(known.data) !== text(e.data))) {
          fail(
            `${id} applied (${e.index},${e.term}) but (${known.index},${known.term}) was applied elsewhere`,
          );
        }
        chosen.set(e.index, e);
      }
      for (const o of cn.outcomes.splice(0)) {
        if (o.status !== 'committed') continue;
        committedOutcomes++;
        const e = chosen.get(o.index);
        // The committing leader applies it in the same Ready, so it must be known already.
        if (!e || e.term !== o.term)
          fail(`outcome ${o.id} committed at (${o.index},${o.term}) but applied ${e?.term}`);
      }
    }
  };

  const steps = opts.steps ?? 800;
  for (let step = 0; step < steps; step++) {
    const r = rng.int(100);
    if (r < 25) {
      const id = ids[rng.int(ids.length)];
      if (!c.n(id).down) c.raft(id).tick();
    } else if (r < 75) {
      // Deliver a few messages, mostly in order, sometimes reordered or duplicated.
      for (let k = 0; k < 4 && c.queue.length > 0; k++) {
        const i = rng.int(4) === 0 ? rng.int(c.queue.length) : 0;
        const [m] = c.queue.splice(i, 1);
        if (rng.int(20) === 0) c.queue.push(m);
        c.queue.unshift(m);
        c.deliverQueued((x) => x === m);
      }
    } else if (r < 78) {
      if (c.queue.length > 0) c.queue.splice(rng.int(c.queue.length), 1); // lose one
    } else if (r < 90) {
      const leader = c.leader();
      const id = leader && rng.int(4) !== 0 ? leader.id : ids[rng.int(ids.length)];
      if (!c.n(id).down) {
        c.propose(id, bytes(`s${seed}-${step}`));
        proposals++;
      }
    } else if (r < 92) {
      const shuffled = [...ids].sort(() => 0).map((x) => ({ x, k: rng.int(1000) }));
      shuffled.sort((a, b) => a.k - b.k);
      const cutAt = 1 + rng.int(ids.length - 1);
      c.heal();
      c.partition(
        shuffled.slice(0, cutAt).map((s) => s.x),
        shuffled.slice(cutAt).map((s) => s.x),
      );
    } else if (r < 96) {
      c.heal();
    } else {
      const id = ids[rng.int(ids.length)];
      const cn = c.n(id);
      if (cn.down) {
        c.restart(id);
      } else if (ids.filter((x) => c.n(x).down).length < Math.floor((ids.length - 1) / 2)) {
        c.crash(id);
      }
    }
    c.processAll();
    check();
  }
  let committedIndex = 0;
  for (const i of chosen.keys()) committedIndex = Math.max(committedIndex, i);
  return { leadersByTerm, committedIndex, elections, proposals, committedOutcomes };
}
