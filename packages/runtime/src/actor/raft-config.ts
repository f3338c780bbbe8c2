import type { RaftConfig, Storage } from '@raftkit/core';
import type { ActorOptions } from './node-actor.js';

/**
 * The core configuration of an actor's RaftNode: the cluster's tuning (as
 * createCluster resolved and checked it) plus who this node is.
 */
export function raftConfigOf(
  opts: ActorOptions,
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
