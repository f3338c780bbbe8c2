/**
 * The data types of @raftkit/core. Everything here is plain data: it can be
 * structured-cloned between threads and packed by the codec (`codec.ts`).
 */
import type { Health } from './peer-health.js';
import type { RttStats } from './rtt-estimator.js';

export type NodeId = string;

/** Kinds of log entry. `NoOp` is appended by every new leader (Raft §5.4.2 / §8). */
export const EntryType = { Normal: 0, NoOp: 1, ConfChange: 2 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** What must survive a crash before any message leaves the node. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
}

/**
 * A member's incarnation: a random non-zero integer created together with its
 * store. A node whose store was wiped comes back under the same id with a new
 * incarnation, and remembers none of the votes and acknowledgements of the old
 * one; votes and acknowledgements are counted only for the incarnation the
 * configuration names (see the core README, "Identity"). 0 = not known.
 */
export type Incarnation = number;

/** Cluster membership as recorded in the log / snapshot. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /**
   * The incarnation each member is bound to. A member missing here is unbound
   * (a bootstrap member whose incarnation no leader has recorded yet): any
   * incarnation is counted for it until a leader binds the first it hears.
   */
  readonly incarnations?: Readonly<Record<NodeId, Incarnation>>;
  /** Each member's network address (HOST:PORT) for hosts that dial their peers; absent in-process. */
  readonly addresses?: Readonly<Record<NodeId, string>>;
}

/**
 * A single-server membership change (Raft thesis ch. 4): add a non-voting
 * learner, promote a caught-up learner to voter, or remove a member.
 */
export type ConfChangeType = 'addLearner' | 'promote' | 'remove' | 'bind';

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly node: NodeId;
  /**
   * addLearner: the new member's incarnation (its store's); a member added
   * without one is unbound until a leader binds it. bind: the incarnation to
   * record for an unbound member (leaders propose these themselves).
   */
  readonly incarnation?: Incarnation;
  /** addLearner: the new member's address, for hosts that dial their peers. */
  readonly address?: string;
}

export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state worth showing to a host; changes are reported in `Ready.softState`. */
export interface SoftState {
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly term: number;
}

/** Why a role changed. */
export type TransitionReason =
  | 'electionTimeout' // follower/candidate timed out and starts a (pre-)campaign
  | 'campaign' // host called campaign()
  | 'timeoutNow' // leadership transfer target told to campaign now
  | 'preVoteWon' // pre-candidate got a quorum of pre-votes
  | 'preVoteLost' // pre-candidate got a quorum of rejections
  | 'voteWon' // candidate got a quorum of votes
  | 'voteLost' // candidate got a quorum of rejections
  | 'higherTerm' // saw a message with a higher term
  | 'leaderDiscovered' // (pre-)candidate heard from a leader of its term
  | 'lostQuorum' // CheckQuorum: leader did not hear from a quorum within an election timeout
  | 'transferred' // leader handed leadership over
  | 'removed' // node was removed from the configuration
  | 'restart'; // initial state after construction

export interface RoleTransition {
  readonly node: NodeId;
  readonly from: Role;
  readonly to: Role;
  readonly term: number;
  readonly reason: TransitionReason;
}

// ---------------------------------------------------------------------------
// Messages. `type` is a readable string here; the codec maps it to a small
// numeric tag on the wire.

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /** The sender's incarnation (RaftNode stamps it on every message it sends). Absent = 0, not known. */
  readonly inc?: Incarnation;
}

/**
 * Applied-state checkpoint (divergence detection): the state machine's hash
 * right after applying the entry at `index`, a positive multiple of
 * `checkpointInterval`. Followers piggyback their latest on appendResp /
 * heartbeatResp; a leader piggybacks its latest quorum-confirmed one on
 * heartbeats.
 */
export interface Checkpoint {
  readonly index: number;
  readonly hash: string;
}

export interface AppendMessage extends MessageBase {
  readonly type: 'append';
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

export interface AppendResponseMessage extends MessageBase {
  readonly type: 'appendResp';
  readonly reject: boolean;
  /** Success: the last index now known to match the leader. Reject: the prevIndex that was rejected. */
  readonly index: number;
  /** Reject only: fast-backtracking hint (thesis/etcd style): follower's best guess of the match. */
  readonly hintIndex: number;
  readonly hintTerm: number;
  readonly checkpoint: Checkpoint | null;
}

export interface VoteMessage extends MessageBase {
  readonly type: 'vote' | 'preVote';
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Set when the campaign is a leadership transfer: overrides leader stickiness. */
  readonly transfer: boolean;
}

export interface VoteResponseMessage extends MessageBase {
  readonly type: 'voteResp' | 'preVoteResp';
  readonly reject: boolean;
}

export interface HeartbeatMessage extends MessageBase {
  readonly type: 'heartbeat';
  readonly commit: number;
  /** Leader's heartbeat round; echoed back, used to confirm ReadIndex and leases. */
  readonly seq: number;
  /**
   * The leader's latest quorum-confirmed checkpoint (a majority of voters
   * reported this hash at this index), so a follower can check itself.
   * Optional: absent (or null) when there is none; old frames carry none.
   */
  readonly checkpoint?: Checkpoint | null;
  /**
   * The leader's tick when it sent this heartbeat (sent while lease reads are
   * configured): followers measure the leader's clock rate from it (clock-rate.ts).
   */
  readonly tick?: number;
}

export interface HeartbeatResponseMessage extends MessageBase {
  readonly type: 'heartbeatResp';
  readonly seq: number;
  readonly checkpoint: Checkpoint | null;
  /** The follower is quarantined: its acknowledgements do not extend the leader's lease. Optional (absent = false). */
  readonly quarantined?: boolean;
  /** The follower's leader priority (config `priority`). Optional (absent = 0). */
  readonly priority?: number;
  /** The leader's clock rate relative to the follower's, in millionths, once measured. Optional. */
  readonly clockRate?: number;
}

export interface TimeoutNowMessage extends MessageBase {
  readonly type: 'timeoutNow';
}

/** Follower -> leader: please confirm a read index for my request `ctx`. */
export interface ReadIndexMessage extends MessageBase {
  readonly type: 'readIndex';
  readonly ctx: number;
}

export interface ReadIndexResponseMessage extends MessageBase {
  readonly type: 'readIndexResp';
  readonly ctx: number;
  readonly reject: boolean;
  readonly index: number;
}

/** One chunk of a snapshot (leader -> follower). */
export interface SnapshotMessage extends MessageBase {
  readonly type: 'snapshot';
  readonly meta: SnapshotMeta;
  /** Byte offset of this chunk within the whole snapshot. */
  readonly offset: number;
  readonly totalBytes: number;
  /** CRC32 of the whole snapshot data. */
  readonly checksum: number;
  readonly chunk: Uint8Array;
  readonly done: boolean;
}

export interface SnapshotResponseMessage extends MessageBase {
  readonly type: 'snapshotResp';
  readonly snapshotIndex: number;
  /** Next byte offset the follower expects (resume point). */
  readonly nextOffset: number;
  readonly reject: boolean;
  readonly done: boolean;
}

export type Message =
  | AppendMessage
  | AppendResponseMessage
  | VoteMessage
  | VoteResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | TimeoutNowMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage
  | SnapshotMessage
  | SnapshotResponseMessage;

export type MessageType = Message['type'];

// ---------------------------------------------------------------------------
// Outcomes: nothing a host asks for is silently lost.

export type DropReason =
  /** This node is not the leader; `leaderHint` says who may be. The entry was never appended. */
  | 'notLeader'
  /**
   * Leadership was lost before the entry was known committed. The entry MAY
   * still commit under a later leader: treat as indeterminate and retry with
   * the same client session (exactly-once) to learn the result.
   */
  | 'termChanged'
  /** The entry was overwritten by a different leader's entry: it will never commit. */
  | 'truncated'
  /** A leadership transfer is in progress; the entry was never appended. */
  | 'transferring'
  /** The proposal exceeds the configured size bounds; never appended. */
  | 'tooLarge'
  /** A membership change is already pending; never appended. */
  | 'confChangePending'
  /** Membership changes only: `promote` of a learner that has not caught up with the leader; never appended. */
  | 'learnerNotCaughtUp'
  /**
   * Membership changes only: the leader has not yet committed an entry of its
   * own term (the single-server change safety rule); retry shortly. Never appended.
   */
  | 'leaderNotReady'
  /** Reads only: a read forwarded to the leader got no answer within an election timeout. */
  | 'timeout'
  /** Reads only: this node is quarantined (its applied state diverged, or the host said so): it serves no reads. */
  | 'quarantined';

export type ProposalOutcome =
  | { readonly id: number; readonly status: 'committed'; readonly index: number; readonly term: number }
  | {
      readonly id: number;
      readonly status: 'dropped';
      readonly reason: DropReason;
      readonly leaderHint: NodeId | null;
    };

export type ReadMode = 'readIndex' | 'lease';

/**
 * A read request's result. `ready`: once the host's applied index reaches
 * `index`, it may serve the read linearizably. `dropped`: the read cannot be
 * served here (`notLeader`, `termChanged`, ...).
 */
export type ReadState =
  | { readonly ctx: number; readonly status: 'ready'; readonly index: number; readonly mode: ReadMode }
  | {
      readonly ctx: number;
      readonly status: 'dropped';
      readonly reason: DropReason;
      readonly leaderHint: NodeId | null;
    };

/** Why a follower refused a snapshot sent by its leader. */
export type SnapshotRejectReason =
  /** The assembled data does not match the CRC-32 the leader announced: corrupted in transit or at the source. */
  | 'checksumMismatch'
  /** `totalBytes` exceeds this node's `maxSnapshotBytes`: never buffered. */
  | 'tooLarge'
  /** The metadata cannot describe a valid state (e.g. a configuration without voters). */
  | 'invalidMeta';

/**
 * A snapshot this node refused (reported in `Ready.snapshotRejections`, counted
 * in `status().snapshotsRejected`). The node's state is unchanged by it.
 */
export interface SnapshotRejection {
  /** The node that refused it (this node). */
  readonly node: NodeId;
  /** The leader that sent it. */
  readonly from: NodeId;
  /** The leader's term. */
  readonly term: number;
  readonly index: number;
  readonly snapshotTerm: number;
  readonly reason: SnapshotRejectReason;
  readonly totalBytes: number;
  /** The checksum the leader announced. */
  readonly expectedChecksum: number;
  /** The checksum of what arrived (checksumMismatch only), else null. */
  readonly actualChecksum: number | null;
}

/**
 * Everything a host must act upon, in this order:
 *  1. persist `snapshot` (replacing the log up to its index), `entries`
 *     (truncating any conflicting suffix at `entries[0].index`) and
 *     `hardState`, durably (synced);
 *  2. send `messages`;
 *  3. restore the state machine from `snapshot.data` (if any), then apply
 *     `committedEntries`, serve `readStates` whose index is applied, report
 *     `outcomes` and `snapshotRejections`;
 *  4. call `advance()`.
 */
export interface Ready {
  /** Present when it changed since the last Ready. */
  readonly softState: SoftState | null;
  /** Present when it changed since the last Ready; must be persisted. */
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
  readonly messages: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
  readonly outcomes: readonly ProposalOutcome[];
  readonly transitions: readonly RoleTransition[];
  /** Snapshots refused since the last Ready (bad checksum, too large, ...): report them; nothing changed. */
  readonly snapshotRejections: readonly SnapshotRejection[];
  /** True when hardState/entries/snapshot must be fsynced before messages go out. */
  readonly mustSync: boolean;
  /**
   * True when `messages` may leave before this Ready's writes are durable
   * (Raft thesis §10.2.1: the leader writes its own log in parallel with
   * replicating it): the node leads, this Ready changes neither term nor vote
   * and holds no snapshot, and its commit index covers none of this Ready's
   * own entries. Such messages depend on nothing this Ready writes: appends
   * carry entries the followers persist before acknowledging, and every
   * commit index they carry is on the leader's disk already. Committed
   * entries are still applied only after the write (the order below is
   * unchanged for everything else). Sending after persisting is always
   * correct; hosts may ignore this.
   */
  readonly messagesMayPrecedePersist: boolean;
  /**
   * Checkpoint mismatches found since the last Ready (a leader comparing its
   * followers, or a node checking itself against a quorum-confirmed hash):
   * report them. See `Divergence`.
   */
  readonly divergences: readonly Divergence[];
  /**
   * Members heard speaking under an incarnation other than the one the
   * configuration binds them to (their store was replaced: wiped, restored,
   * copied). Reported once per (node, incarnation); none of their votes or
   * acknowledgements count until the member is removed and re-added. See
   * `IdentityConflict`.
   */
  readonly identityConflicts: readonly IdentityConflict[];
  /**
   * Clock rates out of the lease's bound, found by a leader from its
   * followers' measurements since the last Ready (see `ClockSkew`). Report
   * them: lease reads that depend on those followers fall back to ReadIndex.
   */
  readonly clockSkews: readonly ClockSkew[];
}

/**
 * `peer` measured the clock of `leader` running at `rate` times its own
 * (over at least a few election timeouts of heartbeats), below `minRate`: the
 * leader's clock is slow (or the follower's fast), so the leader's lease
 * (electionTicks - maxClockDriftTicks of its ticks) cannot rely on that
 * follower's election timeout, and it stops counting that follower toward its
 * lease. `maxRate` is the mirror bound (a fast leader is safe, shown in status).
 */
export interface ClockSkew {
  readonly leader: NodeId;
  readonly peer: NodeId;
  readonly rate: number;
  readonly minRate: number;
  readonly maxRate: number;
  readonly term: number;
}

/** Leader: the clock-rate check of its lease (`status().clock`). */
export interface ClockStatus {
  /** Whether leases rely on measured clock rates (config `clockRateCheck`). */
  readonly checked: boolean;
  /** Lowest and highest rate accepted (leader's clock / follower's). */
  readonly minRate: number;
  readonly maxRate: number;
  /** The latest rate each follower reported for this node's clock (when it led). */
  readonly rates: Readonly<Record<NodeId, number>>;
}

/**
 * `node` spoke as incarnation `actual` where the configuration (or, for an
 * unbound member, the leader's first contact this term) says `expected`:
 * a wiped or replaced store under an old id. Nothing it says is counted
 * toward a vote or a quorum until it is removed and re-added (repair).
 */
export interface IdentityConflict {
  readonly node: NodeId;
  readonly expected: Incarnation;
  readonly actual: Incarnation;
  readonly detectedBy: NodeId;
  readonly term: number;
}

// ---------------------------------------------------------------------------
// Divergence detection, quarantine, failure detection, timeouts.

/**
 * `node` applied the same committed entries as the rest but its state hash
 * at `index` is `actual`, not `expected`. Reported by `detectedBy`: a leader
 * about a follower (expected = the leader's hash), or a node about itself
 * (expected = a quorum-confirmed hash). `confirmed`: a majority of voters
 * reported `expected` at `index`, so `node` is certainly the odd one out. A
 * leader reports a follower at once (possibly unconfirmed) and once more
 * when a quorum confirms it; act (repair) on confirmed reports only.
 */
export interface Divergence {
  readonly node: NodeId;
  readonly index: number;
  readonly expected: string;
  readonly actual: string;
  readonly detectedBy: NodeId;
  readonly confirmed: boolean;
}

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
