// PLACEHOLDER: public surface of the monitor. The implementation replaces the bodies.
import type { NodeId, Role } from './types.js';

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
}

export type AlertKind = 'twoLeaders' | 'staleLeader' | 'commitRegression' | 'divergence' | 'overlappingLeases';
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
}

export interface SplitBrainMonitorOptions {
  /** Election timeout in `at` units; a stale leader lasting longer than this is reported as a warning. */
  readonly electionTimeout: number;
}

/** A pure observer: feed it observations of every node, it reports split-brain symptoms. */
export class SplitBrainMonitor {
  constructor(_opts: SplitBrainMonitorOptions) {}
  /** Record one observation; returns the alerts it raised (also kept in alerts()). */
  observe(_obs: NodeObservation): SplitBrainAlert[] {
    return [];
  }
  alerts(): readonly SplitBrainAlert[] {
    return [];
  }
  /** Longest stale-leader episode seen so far, per node (in `at` units). */
  staleLeaderDurations(): ReadonlyMap<NodeId, number> {
    return new Map();
  }
}
