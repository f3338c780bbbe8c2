/**
 * A small randomized schedule runner for safety checks: random ticks,
 * reordered / dropped / duplicated messages, partitions, crashes that lose
 * unsynced writes, restarts and proposals, all from one seed. Optionally
 * also hosts taking snapshots and compacting (`compaction`), and the leader
 * adding, promoting and removing members, among two spare nodes
 * (`membership`). After every step it checks election safety, state machine
 * safety (entries and host state hashes) and that committed outcomes match
 * what was applied (helpers/safety.ts); after every input (tick, delivered
 * message, proposal, restart, Ready processed) that each node's role
 * statechart is in the role the node reports.
 */
import {
  type ConfChange,
  InvalidArgumentError,
  type NodeId,
  type RaftConfig,
  SeededRng,
} from '@raftkit/core';
import { bytes } from './builders.js';
import { Cluster } from './cluster.js';
import { SafetyChecker } from './safety.js';
import type { NodeOptions } from './single.js';

export interface FuzzResult {
  readonly leadersByTerm: Map<number, NodeId>;
  readonly committedIndex: number;
  readonly elections: number;
  readonly proposals: number;
  readonly committedOutcomes: number;
  /** Snapshots hosts took (compaction) and installed from a leader. */
  readonly snapshotsTaken: number;
  readonly snapshotsInstalled: number;
  /** Membership changes that committed. */
  readonly confChangesCommitted: number;
  /** Highest quorum-confirmed checkpoint index any node knows (checkpoints option). */
  readonly checkpointsVerified: number;
}

export interface FuzzOptions {
  readonly nodes?: number;
  readonly steps?: number;
  readonly config?: NodeOptions;
  readonly wrapConfig?: (config: RaftConfig) => RaftConfig;
  /** Hosts take snapshots at random and compact their logs. */
  readonly compaction?: boolean;
  /** The leader proposes random single-server changes; two spare nodes can join. */
  readonly membership?: boolean;
  /**
   * Hosts report checkpoints every 3 entries; with no state corrupted, no
   * node may ever report a divergence or quarantine itself (no false positives).
   */
  readonly checkpoints?: boolean;
}

const SPARES = 2;

/** The role chart is the one holder of the role: the role a node acts in (status) is the chart's state. */
function chartAgrees(c: Cluster, seed: number): void {
  for (const cn of c.nodes.values()) {
    if (cn.down) continue;
    const chart = cn.node.roleChartState();
    const role = cn.node.status().role;
    if (chart !== role)
      throw new Error(`seed ${seed}: ${cn.id} acts as ${role}, its role chart is in ${chart}`);
  }
}

export function runFuzz(seed: number, opts: FuzzOptions = {}): FuzzResult {
  const ids = Array.from({ length: opts.nodes ?? 3 }, (_, i) => `n${i + 1}`);
  const rng = new SeededRng(seed, 'test-schedule');
  const c = new Cluster(ids, {
    seed,
    config: {
      electionTicks: 8,
      heartbeatTicks: 2,
      ...(opts.checkpoints ? { checkpointInterval: 3 } : {}),
      ...opts.config,
    },
    wrapConfig: opts.wrapConfig,
    reportCheckpoints: opts.checkpoints,
  });
  const safety = new SafetyChecker(`seed ${seed}`);
  let proposals = 0;
  let snapshotsTaken = 0;
  const confChanges = new Set<number>(); // proposal ids of membership changes
  const spares = opts.membership ? Array.from({ length: SPARES }, (_, i) => `n${ids.length + i + 1}`) : [];
  for (const id of spares) c.addNode(id, { voters: ids, learners: [] });
  const all = [...ids, ...spares];

  const randomConfChange = (leaderId: NodeId): ConfChange | null => {
    const { voters, learners } = c.raft(leaderId).status().conf;
    const options: ConfChange[] = [
      ...all
        .filter((x) => !voters.includes(x) && !learners.includes(x))
        .map((node) => ({ type: 'addLearner' as const, node })),
      ...learners.map((node) => ({ type: 'promote' as const, node })),
      ...learners.map((node) => ({ type: 'remove' as const, node })),
      ...(voters.length > 2 ? voters.map((node) => ({ type: 'remove' as const, node })) : []),
    ];
    return options.length > 0 ? options[rng.nextInt(options.length)] : null;
  };

  const freshLeader = (): boolean => {
    const leader = c.leader();
    if (!leader) return false;
    const st = leader.node.status();
    return st.commitIndex < st.lastIndex && st.pendingConfIndex === 0;
  };

  const steps = opts.steps ?? 800;
  for (let step = 0; step < steps; step++) {
    if (opts.compaction || opts.membership) {
      const x = rng.nextInt(100);
      if (opts.compaction && x < 4) {
        const id = all[rng.nextInt(all.length)];
        if (!c.n(id).down && c.takeSnapshot(id, { keep: rng.nextInt(3), sync: rng.nextInt(4) !== 0 }))
          snapshotsTaken++;
      } else if (opts.membership && (x >= 96 || (x >= 50 && freshLeader()))) {
        // Changes at random, and often right after an election: the window the
        // current-term-commit rule guards (a new leader whose no-op is not committed).
        const leader = c.leader();
        const change = leader && randomConfChange(leader.id);
        if (leader && change) {
          try {
            confChanges.add(leader.node.proposeConfChange(change));
          } catch (e) {
            // The change was drawn from the leader's own configuration: it must fit.
            if (e instanceof InvalidArgumentError) throw new Error(`seed ${seed}: ${e.message}`);
            throw e;
          }
        }
      }
    }
    const r = rng.nextInt(100);
    if (r < 25) {
      const id = all[rng.nextInt(all.length)];
      if (!c.n(id).down) c.raft(id).tick();
    } else if (r < 75) {
      // Deliver a few messages, mostly in order, sometimes reordered or duplicated.
      for (let k = 0; k < 4 && c.queue.length > 0; k++) {
        const i = rng.nextInt(4) === 0 ? rng.nextInt(c.queue.length) : 0;
        const [m] = c.queue.splice(i, 1);
        if (rng.nextInt(20) === 0) c.queue.push(m);
        c.queue.unshift(m);
        c.deliverQueued((x) => x === m);
        chartAgrees(c, seed);
      }
    } else if (r < 78) {
      if (c.queue.length > 0) c.queue.splice(rng.nextInt(c.queue.length), 1); // lose one
    } else if (r < 90) {
      const leader = c.leader();
      const id = leader && rng.nextInt(4) !== 0 ? leader.id : all[rng.nextInt(all.length)];
      if (!c.n(id).down) {
        c.propose(id, bytes(`s${seed}-${step}`));
        proposals++;
      }
    } else if (r < 92) {
      const shuffled = [...all].sort(() => 0).map((x) => ({ x, k: rng.nextInt(1000) }));
      shuffled.sort((a, b) => a.k - b.k);
      const cutAt = 1 + rng.nextInt(all.length - 1);
      c.heal();
      c.partition(
        shuffled.slice(0, cutAt).map((s) => s.x),
        shuffled.slice(cutAt).map((s) => s.x),
      );
    } else if (r < 96) {
      c.heal();
    } else {
      const id = all[rng.nextInt(all.length)];
      const cn = c.n(id);
      if (cn.down) {
        c.restart(id);
      } else if (all.filter((x) => c.n(x).down).length < Math.floor((all.length - 1) / 2)) {
        c.crash(id);
      }
    }
    chartAgrees(c, seed);
    c.processAll();
    chartAgrees(c, seed);
    safety.check(c);
    if (opts.checkpoints) {
      for (const id of all) {
        const cn = c.n(id);
        if (cn.divergences.length > 0 || (!cn.down && cn.node.status().quarantine !== null)) {
          throw new Error(`seed ${seed}: false divergence on ${id}: ${JSON.stringify(cn.divergences)}`);
        }
      }
    }
  }
  let snapshotsInstalled = 0;
  let confChangesCommitted = 0;
  let checkpointsVerified = 0;
  for (const id of all) {
    const st = c.n(id).node.status().checkpoints;
    if (st.confirmed !== null) checkpointsVerified = Math.max(checkpointsVerified, st.confirmed.index);
  }
  for (const id of all) {
    snapshotsInstalled += c.n(id).restored.length;
    confChangesCommitted += c
      .n(id)
      .outcomes.filter((o) => o.status === 'committed' && confChanges.has(o.id)).length;
  }
  return {
    leadersByTerm: safety.leadersByTerm,
    committedIndex: safety.committedIndex,
    elections: safety.elections,
    proposals,
    committedOutcomes: safety.committedOutcomes,
    snapshotsTaken,
    snapshotsInstalled,
    confChangesCommitted,
    checkpointsVerified,
  };
}
