/**
 * Options of one simulated run, their defaults, and the per-seed cluster
 * configuration drawn from the seed (so that many seeds cover many
 * configurations, e.g. small message batches that split replication).
 */
import { type NodeId, type RaftTuning, type SeededRng, validateRaftTuning } from '@raftkit/core';
import { INJECTED_BUGS, type InjectedBug } from '@raftkit/core/testing';
import { type FaultKind, isProfileName, type NemesisProfileName } from './nemesis/index.js';

/** The deliberate bugs the simulator can switch on: exactly core's list. */
export const BUG_NAMES: readonly InjectedBug[] = INJECTED_BUGS;
export type BugName = InjectedBug;

export function isBugName(s: string): s is BugName {
  return (BUG_NAMES as readonly string[]).includes(s);
}

export interface SimOptions {
  readonly seed: number;
  /** Cluster size: 3, 5 or 7 voters. Default 5. */
  readonly nodes?: number;
  /** Length of the run in nominal ticks (fault phase plus the final quiet period). Default DEFAULT_TICKS. */
  readonly ticks?: number;
  /** Nemesis profile. Default 'mixed'. */
  readonly profile?: NemesisProfileName;
  /** Deliberate bugs to switch on (core hooks, and 'reply-before-persist' in the host). */
  readonly bugs?: readonly BugName[];
  /** Keep the full event trace (text). Default false. */
  readonly trace?: boolean;
  /** Concurrent clients. Default 4. */
  readonly clients?: number;
  /** Check the recorded history for linearizability at the end. Default true. */
  readonly checkHistory?: boolean;
  /** Search budget of the linearizability check, in steps (deterministic). Default 2_000_000. */
  readonly checkerMaxSteps?: number;
  /** Lease reads: 'seed' (decided per seed, the default), 'on' or 'off'. */
  readonly leaseReads?: 'seed' | 'on' | 'off';
  /** Replaces the profile's fault weights (targeted experiments and tests). */
  readonly faultWeights?: Readonly<Partial<Record<FaultKind, number>>>;
  /** Mean ticks between two faults, instead of the profile's (targeted scenarios that need calm between faults). */
  readonly faultIntervalTicks?: number;
  /**
   * Raft options of every node (core's RaftTuning), over what the seed draws
   * (message batch sizes, in-flight limits, snapshot policy per profile), e.g.
   * `{ electionTicks: 20, timeouts: 'adaptive' }`. Unset: core's defaults.
   */
  readonly raft?: RaftTuning;
  /** Leader priority per node (core `priority`); nodes not named have 0. */
  readonly priorities?: Readonly<Record<NodeId, number>>;
  /**
   * Feed state hashes to the SplitBrainMonitor (default true). Off, only the
   * core's checkpoints (`Ready.divergences`) can detect a diverged state.
   */
  readonly monitorStateHashes?: boolean;
}

export type TimeoutsMode = 'fixed' | 'adaptive';

export function isTimeoutsMode(s: string): s is TimeoutsMode {
  return s === 'fixed' || s === 'adaptive';
}

export const DEFAULT_TICKS = 1000;
/** Virtual length of a nominal tick. */
export const TICK_US = 10_000;
/** Clock-drift bound subtracted from leases; clock rates stay within CLOCK_RATE_RANGE. */
export const MAX_CLOCK_DRIFT_TICKS = 3;

export interface ResolvedOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly ticks: number;
  readonly profile: NemesisProfileName;
  readonly bugs: readonly BugName[];
  readonly trace: boolean;
  readonly clients: number;
  readonly checkHistory: boolean;
  readonly checkerMaxSteps: number;
  readonly leaseReads: 'seed' | 'on' | 'off';
  readonly faultWeights: Readonly<Partial<Record<FaultKind, number>>> | null;
  readonly faultIntervalTicks: number | null;
  readonly raft: RaftTuning;
  readonly priorities: Readonly<Record<NodeId, number>>;
  readonly monitorStateHashes: boolean;
}

export function resolveOptions(o: SimOptions): ResolvedOptions {
  const nodes = o.nodes ?? 5;
  if (![3, 5, 7].includes(nodes)) throw new RangeError(`nodes must be 3, 5 or 7, got ${nodes}`);
  const ticks = o.ticks ?? DEFAULT_TICKS;
  if (!Number.isInteger(ticks) || ticks < 200)
    throw new RangeError(`ticks must be an integer >= 200, got ${ticks}`);
  const profile = o.profile ?? 'mixed';
  if (!isProfileName(profile)) throw new RangeError(`unknown profile ${profile}`);
  for (const b of o.bugs ?? []) if (!isBugName(b)) throw new RangeError(`unknown injected bug ${b}`);
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`seed must be a safe integer, got ${o.seed}`);
  const raft = o.raft ?? {};
  // Core's rules, with the drift bound every seed runs with (a ConfigError naming the option).
  validateRaftTuning({ maxClockDriftTicks: MAX_CLOCK_DRIFT_TICKS, ...raft });
  for (const [id, p] of Object.entries(o.priorities ?? {})) {
    if (!Number.isSafeInteger(p) || p < 0)
      throw new RangeError(`priority of ${id} must be an integer >= 0, got ${p}`);
  }
  return {
    seed: o.seed,
    nodes,
    ticks,
    profile,
    bugs: o.bugs ?? [],
    trace: o.trace ?? false,
    clients: o.clients ?? 4,
    checkHistory: o.checkHistory ?? true,
    checkerMaxSteps: o.checkerMaxSteps ?? 2_000_000,
    leaseReads: o.leaseReads ?? 'seed',
    faultWeights: o.faultWeights ?? null,
    faultIntervalTicks: o.faultIntervalTicks ?? null,
    raft,
    priorities: o.priorities ?? {},
    monitorStateHashes: o.monitorStateHashes ?? true,
  };
}

/** The Raft and environment settings of one seed. */
export interface ClusterConfig {
  /** What every node's RaftConfig gets: the seed's draw, SimOptions.raft over it. */
  readonly raft: RaftTuning;
  readonly leaseReads: boolean;
  /** Clock rates the nemesis may set: within what raft.maxClockDriftTicks tolerates. */
  readonly clockRateRange: readonly [number, number];
  readonly diskLatencyUs: readonly [number, number];
  /** After a snapshot at i the log is compacted to i - compactionTail (a tail for slightly lagging followers). */
  readonly compactionTail: number;
}

export function drawClusterConfig(rng: SeededRng, o: ResolvedOptions): ClusterConfig {
  const leaseReads = o.leaseReads === 'seed' ? rng.chance(0.5) : o.leaseReads === 'on';
  // Drawn in this order: a seed's configuration must not change when another field is added.
  // Small batches split replication across messages (Figure-8 style schedules need that).
  const maxEntriesPerMsg = Number(rng.weighted({ '1': 3, '2': 3, '4': 1.5, '64': 2.5 }));
  const maxInflightMsgs = rng.pick([1, 4, 64]);
  const diskLatencyUs = [50, rng.pick([500, 2_000, 8_000])] as const;
  const env = {
    leaseReads,
    // Lease safety needs (e - d) leader ticks <= (e - 1) follower ticks in real time
    // (one tick lost to granularity): with e = 10, d = 3 rates may differ by 7/9.
    clockRateRange: [0.9, 1.1] as const,
    diskLatencyUs,
    compactionTail: 0,
  };
  const raft: RaftTuning = {
    maxEntriesPerMsg,
    maxInflightMsgs,
    maxClockDriftTicks: MAX_CLOCK_DRIFT_TICKS,
    // Every K-th applied entry each node reports its state hash to the core (divergence detection).
    checkpointInterval: 50,
    // The simulator decides when to snapshot: the entry-count policy of the profile, or never.
    snapshotEntries: 0,
    snapshotBytes: 0,
    promoteMaxLag: 0,
  };
  // Drawn after everything above, so that the other profiles keep their configurations.
  switch (o.profile) {
    case 'compaction': {
      // Aggressive: snapshots every few dozen entries, chunks of tens of bytes (a KV snapshot of
      // this workload is a few hundred bytes, so every transfer spans several chunks).
      const snapshotEntries = rng.pick([5, 10, 20, 40]);
      const snapshotChunkBytes = rng.pick([32, 64, 128, 512]);
      const compactionTail = rng.pick([0, 0, 2, 8]);
      return { ...env, compactionTail, raft: { ...raft, snapshotEntries, snapshotChunkBytes, ...o.raft } };
    }
    case 'drift':
      // Lease reads always: the profile exists to show that drifting clocks cannot break them.
      return { ...env, leaseReads: true, raft: { ...raft, ...o.raft } };
    case 'membership': {
      const snapshotEntries = rng.pick([0, 25, 50, 100]);
      const snapshotChunkBytes = rng.pick([64, 256]);
      const compactionTail = rng.pick([0, 4]);
      // A learner under a steady write load trails the commit index by the entries in flight.
      return {
        ...env,
        compactionTail,
        raft: { ...raft, snapshotEntries, snapshotChunkBytes, promoteMaxLag: 4, ...o.raft },
      };
    }
    default:
      return { ...env, raft: { ...raft, ...o.raft } };
  }
}

/**
 * The configuration as the trace's first line and the seed summary print it.
 * These fields in this order are part of the recorded trace hashes
 * (test/fixtures/trace-hashes.json): options the seed leaves unset print as
 * the simulator always showed them (bounds null, chunk size 0 = core's);
 * other Raft options given in SimOptions.raft follow at the end.
 */
export function describeClusterConfig(c: ClusterConfig): string {
  const r = validateRaftTuning(c.raft);
  const shown = {
    electionTicks: r.electionTicks,
    heartbeatTicks: r.heartbeatTicks,
    maxEntriesPerMsg: r.maxEntriesPerMsg,
    maxInflightMsgs: r.maxInflightMsgs,
    leaseReads: c.leaseReads,
    maxClockDriftTicks: r.maxClockDriftTicks,
    clockRateRange: c.clockRateRange,
    diskLatencyUs: c.diskLatencyUs,
    checkpointInterval: r.checkpointInterval,
    timeouts: r.timeouts,
    minElectionTicks: c.raft.minElectionTicks ?? null,
    maxElectionTicks: c.raft.maxElectionTicks ?? null,
    snapshotEntries: r.snapshotEntries,
    snapshotChunkBytes: c.raft.snapshotChunkBytes ?? 0,
    compactionTail: c.compactionTail,
    promoteMaxLag: r.promoteMaxLag,
  };
  const more = Object.entries(c.raft).filter(([k]) => !(k in shown) && k !== 'snapshotBytes');
  return JSON.stringify({ ...shown, ...Object.fromEntries(more) });
}
