/**
 * What a SplitBrainMonitor reads and reports: the observation a host makes of
 * one node, the alerts, verification verdicts and options, and the checks
 * that refuse a malformed observation or option (a RangeError naming it).
 */
import type { NodeId, Role, VerificationState } from './types.js';

/** What a host knows about one node at one moment. `at` is the observer's clock (ms or ticks; one unit per monitor). */
export interface NodeObservation {
  readonly node: NodeId;
  readonly at: number;
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  /** Hash of the applied state at `appliedIndex`, when known. */
  readonly stateHash: string | null;
  /** Until when (same clock as `at`) the node believes it holds a leader lease, if any. */
  readonly leaseUntil: number | null;
  /** True on the first observation after the node (re)started: its volatile state (commit index) starts over. */
  readonly restarted?: boolean;
  /** Incarnation of the node, bumped by the host on every restart; a change counts as `restarted`. */
  readonly epoch?: number;
}

export type AlertKind =
  | 'twoLeaders'
  | 'staleLeader'
  | 'commitRegression'
  | 'divergence'
  | 'overlappingLeases'
  | 'leaseOutlived'
  /** Raised by a host, not the monitor: a node's state machine threw applying an entry and the node halted. */
  | 'stateMachineFailed'
  /** Raised by a host from Ready.identityConflicts: a member's store was replaced under its old id. */
  | 'identityConflict'
  /** Raised by a host from Ready.clockSkews: a clock runs outside the lease's bound. */
  | 'clockSkew';
export type AlertSeverity = 'safety' | 'warning';

export interface SplitBrainAlert {
  readonly kind: AlertKind;
  /** 'safety': a Raft safety property is broken. 'warning': degraded but safe (e.g. a stale leader that cannot commit). */
  readonly severity: AlertSeverity;
  readonly at: number;
  readonly nodes: readonly NodeId[];
  readonly term: number | null;
  readonly index: number | null;
  /** For staleLeader: how long (in `at` units) the node has believed it leads while a higher term existed. */
  readonly duration: number | null;
  readonly message: string;
  /** staleLeader only: true while the episode is still going on (raised once it outlasts the election timeout). */
  readonly ongoing?: boolean;
  /** divergence only: the state hash each node reported at `index`. */
  readonly hashes?: Readonly<Record<NodeId, string>>;
  /** divergence only: the nodes outside a strict majority of the hashes at `index`, when one exists. */
  readonly minority?: readonly NodeId[];
}

/** One node's state verification as judged by the monitor (see the class comment). */
export interface NodeVerification {
  readonly node: NodeId;
  readonly state: VerificationState;
  /** Latest applied index at which it reported a hash, and when (`at` units). */
  readonly lastIndex: number | null;
  readonly lastAt: number | null;
  /** Latest index at which its hash agreed with a strict majority of reporters. */
  readonly agreedIndex: number | null;
  /** Latest index at which its hash disagreed, if that is its latest comparison. */
  readonly divergedIndex: number | null;
}

export interface SplitBrainMonitorOptions {
  /** Election timeout in `at` units; a stale leader lasting longer than this is reported as a warning. */
  readonly electionTimeout: number;
  /** Terms remembered for twoLeaders detection (oldest forgotten first). Default 4096. */
  readonly maxTrackedTerms?: number;
  /** Applied indices remembered for divergence detection (oldest forgotten first). Default 1024. */
  readonly maxTrackedIndices?: number;
  /** Lease intervals remembered per node. Default 16. */
  readonly maxLeasesPerNode?: number;
  /** Alerts kept in alerts() (oldest dropped first; observe() still returns every new one). Default 10_000. */
  readonly maxAlerts?: number;
  /** Checkpoint interval K (applied-index units) hosts observe at; enables the index grace of verification(). */
  readonly checkpointInterval?: number;
  /** verification(): `ok` needs an agreed index less than (1 + this) * K behind the highest reported. Default 1. */
  readonly verificationGraceIntervals?: number;
  /** verification(): `ok` needs a hash reported within this long (`at` units). Default 10 * electionTimeout. */
  readonly verificationGraceTime?: number;
}

/** A stale-leader episode in progress. */
export interface StaleLeaderEpisode {
  readonly node: NodeId;
  /** The term the node believes it leads. */
  readonly term: number;
  /** Highest term seen while it was stale. */
  readonly higherTerm: number;
  readonly since: number;
  readonly duration: number;
}

export function checkObservation(obs: NodeObservation): void {
  const bad = (field: string): never => {
    throw new RangeError(`SplitBrainMonitor: invalid observation of ${String(obs?.node)}: bad ${field}`);
  };
  if (typeof obs !== 'object' || obs === null) bad('observation');
  if (typeof obs.node !== 'string' || obs.node.length === 0) bad('node');
  if (typeof obs.at !== 'number' || !Number.isFinite(obs.at)) bad('at');
  if (!Number.isSafeInteger(obs.term) || obs.term < 0) bad('term');
  if (!Number.isSafeInteger(obs.commitIndex) || obs.commitIndex < 0) bad('commitIndex');
  if (!Number.isSafeInteger(obs.appliedIndex) || obs.appliedIndex < 0) bad('appliedIndex');
  if (
    obs.role !== 'follower' &&
    obs.role !== 'preCandidate' &&
    obs.role !== 'candidate' &&
    obs.role !== 'leader'
  ) {
    bad('role');
  }
  if (obs.leaseUntil !== null && (typeof obs.leaseUntil !== 'number' || Number.isNaN(obs.leaseUntil)))
    bad('leaseUntil');
  if (obs.stateHash !== null && typeof obs.stateHash !== 'string') bad('stateHash');
}

export function positive(value: number, name: string): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`SplitBrainMonitor: ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}
