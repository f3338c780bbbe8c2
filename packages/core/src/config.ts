import type { Storage } from './storage.js';
import type { NodeId, ReadMode, TimeoutMode } from './types.js';

/**
 * How a Raft node behaves: every tuning option, declared here and nowhere
 * else (like etcd's raft.Config or hashicorp/raft's Config). Hosts carry it
 * as one value (`raft` in the runtime's createCluster options, in the
 * simulator's options and in `raftkit node`'s options) and restate neither
 * an option nor its default: the defaults are `RAFT_DEFAULTS`, the rules
 * `validateRaftTuning` (resolved-config.ts; a ConfigError naming the
 * option). Every field is optional (unset: the default). Time is in ticks;
 * the wall-clock length of a tick is the host's (runtime `tickMs`).
 */
export interface RaftTuning {
  /** Base election timeout in ticks; the actual timeout is drawn from [electionTicks, 2*electionTicks). Default 10. */
  readonly electionTicks?: number;
  /** Heartbeat interval in ticks. Default 1. Must be < electionTicks. */
  readonly heartbeatTicks?: number;
  /** Pre-Vote (thesis 9.6). Default true. */
  readonly preVote?: boolean;
  /** CheckQuorum: a leader without quorum contact for an election timeout steps down. Default true. */
  readonly checkQuorum?: boolean;
  /** Leader stickiness: ignore (pre-)votes while a leader was heard within the election timeout. Default true. */
  readonly leaderStickiness?: boolean;
  /** Default read mode of readIndex(). 'lease' requires checkQuorum and leaderStickiness. Default 'readIndex'. */
  readonly readMode?: ReadMode;
  /**
   * Clock-drift bound in ticks subtracted from the leader lease. Default 1.
   * With `clockRateCheck`, it is also the bound on measured clock rates: a
   * follower counts toward the lease only while it measured the leader's
   * clock at >= (electionTicks - maxClockDriftTicks) / electionTicks (plus a
   * measurement margin) of its own rate.
   */
  readonly maxClockDriftTicks?: number;
  /** Max entries in one append message. Default 256. */
  readonly maxEntriesPerMsg?: number;
  /** Max entry payload bytes in one append message (at least one entry is always sent). Default 1 MiB. */
  readonly maxBytesPerMsg?: number;
  /** Max in-flight append messages per follower in replicate state. Default 64. */
  readonly maxInflightMsgs?: number;
  /** Max payload bytes of a single proposal. Default 8 MiB. */
  readonly maxProposalBytes?: number;
  /**
   * Snapshot policy (`snapshotDue()` / `shouldSnapshot`): take a snapshot once this many
   * entries were applied since the last one. 0 disables this trigger. Default 10_000.
   */
  readonly snapshotEntries?: number;
  /** Snapshot policy: once this many entry payload bytes were applied since the last one. 0 disables. Default 64 MiB. */
  readonly snapshotBytes?: number;
  /** Bytes of snapshot data per InstallSnapshot chunk message. Default 1 MiB. */
  readonly snapshotChunkBytes?: number;
  /** Largest snapshot this node accepts from a leader; a larger one is rejected before anything is buffered. Default 1 GiB. */
  readonly maxSnapshotBytes?: number;
  /**
   * `promote` accepts a learner only if it is replicating and at most this many
   * entries behind the leader's commit index (else dropped 'learnerNotCaughtUp'). Default 64:
   * a learner catching up under live writes trails by the entries in flight, and 0 would refuse
   * its promotion until writes pause.
   */
  readonly promoteMaxLag?: number;

  // ---- divergence detection (checkpoints.ts) -------------------------------
  /**
   * Checkpoint interval K: the host calls `reportCheckpoint(i, hash)` for every
   * applied index i that is a positive multiple of K, with the state hash
   * right after applying entry i. 0 disables checkpoints. Default 100 (the checks feed
   * divergence detection and the split-brain monitor; an incremental state hash makes them cheap).
   */
  readonly checkpointInterval?: number;
  /**
   * A peer whose hash matched at index j stays `ok` until the leader's applied
   * index reaches j + (1 + checkpointGraceIntervals) * K; then it is
   * `unverified` until it reports a newer matching checkpoint. Default 1.
   */
  readonly checkpointGraceIntervals?: number;
  /** A peer is `ok` only while a matching report arrived within this many ticks. Default 2 * electionTicks. */
  readonly checkpointGraceTicks?: number;

  // ---- timeouts (adaptive-timeouts.ts) ---------------------------------------
  /**
   * 'fixed' (default): electionTicks / heartbeatTicks as configured.
   * 'adaptive': the base election timeout T follows the measured heartbeat
   * inter-arrival (followers) / round-trip (leader) statistics,
   * T = clamp(ceil(2 * (gap mean + adaptiveDeviationFactor * deviation)),
   * minElectionTicks, maxElectionTicks), randomized in [T, 2T); the heartbeat
   * interval follows T. Leases then use minElectionTicks (see README).
   */
  readonly timeouts?: TimeoutMode;
  /** Adaptive lower bound of T; also the lease basis. Default max(2, heartbeatTicks + 1, maxClockDriftTicks + 1, ceil(electionTicks / 2)); must be <= electionTicks. */
  readonly minElectionTicks?: number;
  /** Adaptive upper bound of T. Default 4 * electionTicks; must be >= electionTicks. */
  readonly maxElectionTicks?: number;
  /** k in mean + k * deviation. Default 4. */
  readonly adaptiveDeviationFactor?: number;

  // ---- leader priority (leader-priority.ts; each node's own `priority` is in RaftConfig) ---
  /** Stabilisation delay before a priority transfer. Default 2 * electionTicks. */
  readonly priorityTransferDelayTicks?: number;

  /**
   * Lease reads rely on measured clock rates (clock-rate.ts): followers time
   * the leader's heartbeats; a follower whose measurement is missing or out of
   * bound does not extend the lease (reads fall back to ReadIndex) and an out
   * of bound rate is reported in `Ready.clockSkews`. Default true.
   */
  readonly clockRateCheck?: boolean;
}

/**
 * One node: who it is, where it stores, how it boots, and its tuning (the
 * RaftTuning fields, given flat).
 */
export interface RaftConfig extends RaftTuning {
  readonly id: NodeId;
  /** Stable storage; on restart it holds term, vote, log and membership. */
  readonly storage: Storage;
  /** Voters to bootstrap with when storage holds no membership yet (includes `id`). */
  readonly peers?: readonly NodeId[];
  /** Learners to bootstrap with when storage holds no membership yet. */
  readonly learners?: readonly NodeId[];
  /** Seed of the RNG behind election timeout jitter. Same seed, same inputs => same outputs. */
  readonly seed: number;
  /** Last index the host's state machine has applied (restart). Default: the snapshot index. */
  readonly applied?: number;
  /**
   * This node's leader priority (integer >= 0, default 0). Followers report
   * theirs on heartbeat responses; a leader that sees a healthy, caught-up
   * voter with a strictly higher priority for `priorityTransferDelayTicks`
   * hands leadership to it. Per node, so not part of RaftTuning.
   */
  readonly priority?: number;

  // ---- identity (see the core README, "Identity") ---------------------------
  /**
   * This node's incarnation: a random non-zero integer the host creates
   * together with the store and keeps in it. A wiped store gets a new one, so
   * the cluster can tell the node forgot its votes and acknowledgements.
   * Stamped on every message. Default 0: not set (the node is never bound).
   */
  readonly incarnation?: number;
  /**
   * Bootstrap only: the initial members' incarnations, when the host knows
   * them all (in-process clusters, the simulator). Members left out are
   * unbound until a leader records the first incarnation it hears from them.
   */
  readonly bootstrapIncarnations?: Readonly<Record<NodeId, number>>;
}
