/**
 * What a node hands its host: proposal and read outcomes, snapshot rejections, and the Ready batch itself.
 */
import type { Message } from './message-types.js';
import type {
  Entry,
  HardState,
  Incarnation,
  NodeId,
  RoleTransition,
  Snapshot,
  SoftState,
} from './raft-types.js';

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
 * (electionTicks - maxClockDriftTicks - 1 of its ticks) cannot rely on that
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
