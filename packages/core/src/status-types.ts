/**
 * What a node reports about itself: divergence detection, quarantine, failure detection, timeouts, progress and status().
 */
import type { Checkpoint } from './message-types.js';
import type { Health } from './peer-health.js';
import type { ConfState, Incarnation, NodeId, Role } from './raft-types.js';
import type { ClockStatus, Divergence, IdentityConflict } from './ready-types.js';
import type { RttStats } from './rtt-estimator.js';

/** `ok`: recently matched; `diverged`: the latest comparison mismatched; `unverified`: neither (never fails open). */
export type VerificationState = 'ok' | 'diverged' | 'unverified';

/** A leader's view of one peer's checkpoints. */
export interface PeerVerification {
  readonly id: NodeId;
  readonly state: VerificationState;
  /** The latest checkpoint it reported. */
  readonly lastReported: Checkpoint | null;
  /** Highest index at which its hash matched ours (0: none). */
  readonly verifiedIndex: number;
  /** Tick of the latest report that matched ours. */
  readonly lastVerifiedTick: number | null;
  /** The latest mismatch found, if any. */
  readonly divergence: Divergence | null;
}

export interface CheckpointStatus {
  /** `checkpointInterval` (0: checkpoints off). */
  readonly interval: number;
  /** This node's latest reported checkpoint. */
  readonly latest: Checkpoint | null;
  /** The latest checkpoint a quorum of voters agreed on, as known here. */
  readonly confirmed: Checkpoint | null;
  /** This node's own state against quorum-confirmed hashes. */
  readonly self: VerificationState;
  /** The latest divergence of this node itself, if any. */
  readonly selfDivergence: Divergence | null;
  /** Leader only: every other member's verification (empty on other roles). */
  readonly peers: readonly PeerVerification[];
}

export interface QuarantineStatus {
  /** `diverged`: this node found its own state diverged (released by a later matching checkpoint or the host); `host`: `quarantine()`. */
  readonly kind: 'diverged' | 'host';
  readonly reason: string;
  readonly sinceTick: number;
  readonly divergence: Divergence | null;
}

/**
 * Failure detection, in ticks. A leader lists every other member (samples:
 * heartbeat round trips, matched by `seq`); a follower lists its leader
 * (samples: heartbeat inter-arrival times).
 */
export interface PeerLiveness {
  readonly id: NodeId;
  /** Tick this node last received any message from the peer (null: never). */
  readonly lastContactTick: number | null;
  readonly health: Health;
  readonly samples: 'roundTrip' | 'interArrival';
  /** Statistics of the samples (ticks), null before the first. */
  readonly rtt: RttStats | null;
}

export type TimeoutMode = 'fixed' | 'adaptive';

export interface TimeoutStatus {
  readonly mode: TimeoutMode;
  /** Base election timeout T in force (the randomized one is drawn from [T, 2T)). Leader: its CheckQuorum window. */
  readonly electionTicks: number;
  /** Heartbeat interval in force (leader). */
  readonly heartbeatTicks: number;
  /** The randomized election timeout currently running (followers and candidates). */
  readonly randomizedElectionTicks: number;
  /** Length of a leader lease from the send tick of an acknowledged round (fixed: electionTicks - drift; adaptive: minElectionTicks - drift). */
  readonly leaseTicks: number;
}

/** Progress of one follower as seen by the leader (etcd's Progress). */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export interface PeerProgress {
  readonly id: NodeId;
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly inflight: number;
  readonly recentActive: boolean;
  readonly isLearner: boolean;
}

/** A point-in-time view of a node, for hosts, tests and tools. */
export interface NodeStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly firstIndex: number;
  /** Tick until which a leader lease is valid (leader only, lease reads enabled), else null. */
  readonly leaseUntilTick: number | null;
  readonly tick: number;
  readonly conf: ConfState;
  readonly progress: readonly PeerProgress[];
  readonly transferee: NodeId | null;
  /** Index of the newest membership change in the log if it is not committed yet, else 0. */
  readonly pendingConfIndex: number;
  /** Snapshots received from leaders and handed to the host (Ready.snapshot) since start. */
  readonly snapshotsInstalled: number;
  /** Snapshots refused (bad checksum, too large, invalid metadata) since start. */
  readonly snapshotsRejected: number;
  /** A chunked snapshot being received from the leader, or null. */
  readonly incomingSnapshot: IncomingSnapshotStatus | null;
  /** Divergence detection: own, confirmed and (leader) per-peer checkpoints. */
  readonly checkpoints: CheckpointStatus;
  /** Non-null while this node is quarantined (serves no reads; a leader hands over). */
  readonly quarantine: QuarantineStatus | null;
  /** Failure detection per peer (leader: all members; follower: its leader). */
  readonly liveness: readonly PeerLiveness[];
  readonly timeouts: TimeoutStatus;
  /** This node's leader priority (config `priority`). */
  readonly priority: number;
  /** Priorities this node knows: its own, and (leader) those its followers reported. */
  readonly priorities: Readonly<Record<NodeId, number>>;
  /** This node's incarnation (config `incarnation`; 0 = not set). */
  readonly incarnation: Incarnation;
  /** Members currently heard under an incarnation the configuration does not bind them to (newest per node). */
  readonly identityConflicts: readonly IdentityConflict[];
  /** The clock-rate check behind lease reads. */
  readonly clock: ClockStatus;
}

export interface IncomingSnapshotStatus {
  readonly from: NodeId;
  readonly index: number;
  readonly receivedBytes: number;
  readonly totalBytes: number;
}
