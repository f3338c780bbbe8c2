/**
 * The log, persistent state, configurations, snapshots and roles of a Raft node (plain data).
 */

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
