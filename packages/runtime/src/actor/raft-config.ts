import type { NodeId, RaftConfig, ResolvedRaftTuning, Storage } from '@raftkit/core';

/** The options of an actor that make its RaftNode's config (the rest of ActorOptions is the host's). */
export interface ActorRaftOptions {
  readonly id: NodeId;
  /** Voters to bootstrap with (used only while the store holds no membership). */
  readonly peers: readonly NodeId[];
  /** Learners to bootstrap with: a node joining a running cluster lists itself here. */
  readonly learners?: readonly NodeId[];
  /** The members' incarnations at bootstrap, when known (core `bootstrapIncarnations`). */
  readonly bootstrapIncarnations?: Readonly<Record<NodeId, number>>;
  readonly seed: number;
  /** The cluster's Raft tuning, resolved (ClusterOptions.raft). */
  readonly raft: ResolvedRaftTuning;
  /** This node's leader priority (core's `priority`). */
  readonly priority?: number;
}

/**
 * The core configuration of an actor's RaftNode: the cluster's tuning (as
 * createCluster resolved and checked it) plus who this node is.
 */
export function raftConfigOf(
  opts: ActorRaftOptions,
  storage: Storage,
  applied: number,
  incarnation = 0,
): RaftConfig {
  return {
    ...opts.raft,
    id: opts.id,
    storage,
    peers: opts.peers,
    learners: opts.learners ?? [],
    incarnation,
    ...(opts.bootstrapIncarnations !== undefined
      ? { bootstrapIncarnations: opts.bootstrapIncarnations }
      : {}),
    seed: opts.seed,
    priority: opts.priority,
    applied,
  };
}
