import { EventEmitter } from 'node:events';
import type { NodeId, RoleTransition, SplitBrainAlert } from '@raftkit/core';
import type { ObservationData, RuntimeNodeStatus, SnapshotEvent } from '../control/api.js';

/** A role transition from a node's statechart, with the wall time it was reported. */
export interface TransitionEvent extends RoleTransition {
  /** Wall-clock ms since the epoch. */
  readonly at: number;
}

/** Periodic status of every node (null for a node that is not running). */
export interface StatusEvent {
  readonly at: number;
  readonly nodes: Readonly<Record<NodeId, RuntimeNodeStatus | null>>;
}

/** Lifecycle of a node's actor. */
export interface NodeLifecycleEvent {
  readonly node: NodeId;
  readonly at: number;
  readonly event: 'started' | 'stopped' | 'killed' | 'crashed';
  /** For 'crashed': why. */
  readonly error?: string;
  readonly epoch: number;
}

/** A membership step of `cluster.addNode` / `cluster.removeNode`, once committed. */
export interface MembershipEvent {
  readonly at: number;
  readonly node: NodeId;
  readonly change: 'learnerAdded' | 'promoted' | 'removed';
  /** Log index of the committed change. */
  readonly index: number;
  /** Voters and learners of the cluster after the change. */
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** Progress of `cluster.repair(id)` (or autoRepair). */
export interface RepairEvent {
  readonly node: NodeId;
  readonly at: number;
  readonly phase: 'started' | 'done' | 'failed';
  /** phase 'done': where the node's hash was seen equal to the common one. */
  readonly result?: {
    readonly node: NodeId;
    readonly index: number;
    readonly hash: string;
    readonly via: 'snapshot' | 'log';
    readonly ms: number;
  };
  /** phase 'failed': why. */
  readonly error?: string;
}

export interface ClusterEventMap {
  transition: [TransitionEvent];
  status: [StatusEvent];
  alert: [SplitBrainAlert];
  node: [NodeLifecycleEvent];
  /**
   * What a local node pushed for the split-brain monitor (role, term, leader,
   * indices, state hash, lease), as it pushed it: on every role, term or
   * leader change, every few ticks while indices move, and at checkpoints.
   * A host that watches nodes of several processes feeds these to one
   * monitor of its own.
   */
  observation: [ObservationData];
  /**
   * Snapshot activity of each local node: `taken` (stored, log compacted),
   * `installed` (a leader's snapshot replaced log and state), `rejected` (a
   * leader's snapshot was refused, e.g. a corrupted chunk failed the
   * checksum; nothing changed), `restored` (state restored at start).
   */
  snapshot: [SnapshotEvent];
  membership: [MembershipEvent];
  repair: [RepairEvent];
}

/**
 * `cluster.events`: role transitions, periodic status, split-brain alerts,
 * node lifecycle and observations, as small plain objects (what tools and
 * the visualizer consume). To see the first election too, create the cluster
 * with `start: false`, subscribe, then `await cluster.start()`.
 */
export class ClusterEvents extends EventEmitter<ClusterEventMap> {}
