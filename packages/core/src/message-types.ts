/**
 * The messages Raft nodes exchange. `type` is a readable string here; the codec maps it to a small numeric tag on the wire.
 */
import type { Entry, Incarnation, NodeId, SnapshotMeta } from './raft-types.js';

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
