import { EventEmitter } from 'node:events';
import type { NodeId, RoleTransition, SplitBrainAlert } from '@raftkit/core';
import type { RuntimeNodeStatus } from '../control/api.js';

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

export interface ClusterEventMap {
  transition: [TransitionEvent];
  status: [StatusEvent];
  alert: [SplitBrainAlert];
  node: [NodeLifecycleEvent];
}

/**
 * `cluster.events`: role transitions, periodic status, split-brain alerts
 * and node lifecycle, as small plain objects (what tools and the visualizer
 * consume).
 */
export class ClusterEvents extends EventEmitter<ClusterEventMap> {}
