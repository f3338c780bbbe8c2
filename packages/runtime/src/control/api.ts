import type {
  ConfChange,
  ConfState,
  IncomingSnapshotStatus,
  NodeId,
  NodeObservation,
  NodeStatus,
  PeerLiveness,
  ReadMode,
  RoleTransition,
  SnapshotRejection,
  SplitBrainAlert,
} from '@raftkit/core';
import type { WireError } from '../error-wire.js';
import type { StorageStats } from '../storage/durable-storage.js';

/** How fresh a read must be. */
export type ReadConsistency = 'linearizable' | 'lease' | 'stale';

/**
 * The RaftNode read mode per consistency: 'linearizable' uses the cluster's
 * configured `readMode` (undefined: ReadIndex by default, or a lease when the
 * cluster was created with readMode 'lease'); 'lease' asks for a lease read
 * (served by ReadIndex when the lease has lapsed).
 */
export const READ_MODE_OF: Readonly<Record<Exclude<ReadConsistency, 'stale'>, ReadMode | undefined>> = {
  linearizable: undefined,
  lease: 'lease',
};

/** A node halted because its state machine threw applying the entry at `index` (see NodeActor.halt). */
export interface FailedState {
  readonly index: number;
  readonly term: number;
  /** The thrown error's message. */
  readonly message: string;
  /** Wall-clock ms when it happened. */
  readonly at: number;
}

/**
 * Core's `NodeStatus` fields the runtime reports in its own form: the lease as
 * wall-clock time (`lease`), the snapshot counters and the incoming transfer
 * grouped in `snapshots`, liveness with millisecond conversions.
 */
type ReportedDifferently =
  | 'leaseUntilTick'
  | 'snapshotsInstalled'
  | 'snapshotsRejected'
  | 'incomingSnapshot'
  | 'liveness';

/**
 * A node's view of itself, as plain data (it crosses threads): core's
 * `NodeStatus` (role, term, indices, configuration, progress, checkpoints,
 * quarantine, timeouts, priorities, identity, clock check, ...) as the
 * actor's RaftNode reports it, except that `appliedIndex` is the state
 * machine's and `incarnation` the store's, plus what the runtime adds.
 */
export interface RuntimeNodeStatus extends Omit<NodeStatus, ReportedDifferently> {
  /** Wall-clock time (ms since the epoch) until which this leader holds a read lease, else null. */
  readonly lease: number | null;
  /** Hash of the applied state at appliedIndex. */
  readonly stateHash: string;
  readonly snapshots: SnapshotStatus;
  /** Incarnation: 0 on first start, +1 per restart. */
  readonly epoch: number;
  readonly uptimeMs: number;
  readonly storage: StorageStats;
  /** Bad input received and rejected (the node kept running). */
  readonly errors: {
    /** Frames that decodeMessage rejected (DecodeError). */
    readonly decode: number;
    /** Decoded messages the RaftNode refused as invalid (InvalidMessageError). */
    readonly invalid: number;
    /** Batches whose length prefixes were broken. */
    readonly framing: number;
    /** Frames addressed to another node. */
    readonly misrouted: number;
    /** Frames whose claimed sender differs from the router-attested sender. */
    readonly spoofed: number;
    /** Last rejection, for diagnosis. */
    readonly last: string | null;
  };
  readonly traffic: {
    readonly batchesIn: number;
    readonly framesIn: number;
    readonly batchesOut: number;
    readonly framesOut: number;
    /** Of batchesOut, those posted straight to a peer actor of this process (direct link, not through the router). */
    readonly directBatchesOut: number;
    /** Of batchesIn, those that arrived on a direct link. */
    readonly directBatchesIn: number;
    readonly readies: number;
    /** Readies whose messages (a leader's appends) left while its own write was in flight (parallelLeaderWrites). */
    readonly sentBeforePersist: number;
  };
  readonly proposals: { readonly pending: number; readonly committed: number; readonly dropped: number };
  readonly reads: { readonly pending: number; readonly served: number; readonly dropped: number };
  /** Incremental state hash verified against a full recomputation on the side-work pool. */
  readonly hashChecks: { readonly runs: number; readonly mismatches: number; readonly lastIndex: number };
  /** Set once the state machine threw applying an entry and the node halted: it serves and applies nothing more. */
  readonly failed: FailedState | null;
  /** Wall-clock length of one tick (to read the tick counts in core's fields). */
  readonly tickMs: number;
  /** Failure detection per peer (leader: every member; follower: its leader), ticks plus ms conversions. */
  readonly liveness: readonly RuntimePeerLiveness[];
  /** This node's worker (its V8 isolate): heap in use and reserved, and memory held outside the heap (buffers). */
  readonly memory: {
    readonly heapUsedBytes: number;
    readonly heapTotalBytes: number;
    readonly externalBytes: number;
  };
}

/** Core's PeerLiveness plus the same in milliseconds. */
export interface RuntimePeerLiveness extends PeerLiveness {
  /** How long ago the last message from the peer arrived (null: never). */
  readonly lastContactAgoMs: number | null;
  /** Mean round trip (leader) or heartbeat inter-arrival time (follower), ms; null before any sample. */
  readonly rttMeanMs: number | null;
}

/** What `injectCorruption` changed (a test hook: the state diverges from the log). */
export interface CorruptionResult {
  readonly key: string;
  readonly before: string | null;
  readonly after: string;
  /** Applied index at the moment of corruption. */
  readonly index: number;
}

/** A node's snapshots and compaction. */
export interface SnapshotStatus {
  /** Index and term of the latest stored snapshot (0 when there is none). */
  readonly index: number;
  readonly term: number;
  /** The log's first index (entries before it were compacted away). */
  readonly firstIndex: number;
  /** Snapshots this node took of its own state machine (policy: snapshotEntries / snapshotBytes). */
  readonly taken: number;
  /** Snapshots received from a leader and installed (core's snapshotsInstalled). */
  readonly installed: number;
  /** Snapshots received from a leader and refused, e.g. a corrupted chunk (core's snapshotsRejected). */
  readonly rejected: number;
  /** Index of the snapshot the state machine was restored from at start (0: none). */
  readonly restoredAtStart: number;
  /** The latest snapshot taken here: sizes before and after compression, time on the pool. */
  readonly lastTaken: {
    readonly index: number;
    readonly rawBytes: number;
    readonly storedBytes: number;
    readonly packMs: number;
  } | null;
  /** A chunked snapshot being received from the leader, or null. */
  readonly incoming: IncomingSnapshotStatus | null;
  /** Where compression and checksums run ('pool': the shared Piscina pool). */
  readonly codec: 'pool' | 'inline';
}

/** Snapshot activity of one node, for `cluster.events.on('snapshot')`. */
export interface SnapshotEvent {
  readonly node: NodeId;
  readonly at: number;
  /** taken: own snapshot stored and log compacted; installed: a leader's snapshot replaced the log and state; rejected: a leader's snapshot was refused (nothing changed); restored: state restored from the stored snapshot at start. */
  readonly kind: 'taken' | 'installed' | 'rejected' | 'restored';
  readonly index: number;
  readonly term: number;
  /** Stored (compressed envelope) size. */
  readonly bytes: number;
  /** kind 'rejected': what the core reported. */
  readonly rejection?: SnapshotRejection;
}

/** The state machine as applied at `index` (a backup, a test's comparison). */
export interface StateSnapshot {
  readonly index: number;
  /** Term of the entry at `index`. */
  readonly term: number;
  /** The configuration in force at `index`. */
  readonly conf: ConfState;
  readonly hash: string;
  readonly data: Uint8Array;
}

/** Plain-data result of a control call: errors travel as WireError and become typed on the main thread. */
export type Reply<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: WireError };

export interface ReadResult {
  /** The value (state-machine specific; a string or undefined for the KV store). */
  readonly value: unknown;
  /** Applied index the read was served at. */
  readonly index: number;
  /** How it was confirmed: a quorum round (readIndex), the leader lease, or not at all (stale). */
  readonly mode: ReadMode | 'stale';
}

export interface HashCheckResult {
  readonly index: number;
  readonly incremental: string;
  readonly full: string | null;
  readonly ok: boolean;
  readonly message: string | null;
}

/**
 * The control API each actor exposes through Comlink on its control port.
 * Every method returns a Reply so typed errors survive the thread boundary.
 * (Proposals and reads, the data plane, go over a batched raw port instead:
 * see ops-protocol.ts.)
 */
export interface NodeControlApi {
  status(): Reply<RuntimeNodeStatus>;
  /** Leader only: hand leadership to `to`; resolves once `to` leads. */
  transferLeadership(to: NodeId): Promise<Reply<void>>;
  /**
   * Leader only: propose a membership change; resolves with the entry's index
   * once it is committed and applied here. Refusals are typed errors
   * (ConfChangePendingError, LearnerNotCaughtUpError, LeaderNotReadyError after
   * internal retries, NotLeaderError, InvalidRequestError).
   */
  confChange(change: ConfChange): Promise<Reply<{ index: number }>>;
  campaign(): Reply<void>;
  /** Verify the incremental state hash against a full recomputation now. */
  verifyStateHash(): Promise<Reply<HashCheckResult>>;
  /** State-machine snapshot bytes at the applied index, with its term, the membership there and the incremental hash. */
  snapshotState(): Reply<StateSnapshot>;
  /** Test hook: flip one applied value of the state machine, bypassing the log. */
  injectCorruption(key?: string): Reply<CorruptionResult>;
  /** Quarantine this node (no reads, no lease; a leader hands over) until releaseQuarantine. */
  quarantine(reason: string): Reply<void>;
  releaseQuarantine(): Reply<void>;
  /** Stop ticking, fail pending calls, flush and close storage. */
  shutdown(): Promise<Reply<void>>;
}

/** Worker -> main thread notifications on the worker's parentPort. */
export type ActorEvent =
  | { readonly type: 'ready'; readonly status: RuntimeNodeStatus }
  | { readonly type: 'fatal'; readonly error: WireError }
  | { readonly type: 'transition'; readonly transition: RoleTransition; readonly at: number }
  | { readonly type: 'observation'; readonly observation: ObservationData }
  | { readonly type: 'alert'; readonly alert: SplitBrainAlert }
  | { readonly type: 'snapshot'; readonly event: SnapshotEvent };

/** A node's observation for the SplitBrainMonitor: core's, on the wall clock (ms), always with its epoch. */
export interface ObservationData extends NodeObservation {
  /** Incarnation of the actor: 0 on first start, +1 per restart (a change counts as `restarted`). */
  readonly epoch: number;
}
