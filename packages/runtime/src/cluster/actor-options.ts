import { fnv1a32, type NodeId } from '@raftkit/core';
import type { ActorOptions } from '../actor/node-actor.js';
import type { ResolvedOptions } from './options.js';

/** The membership a node starts with while its store holds none (a joining node: current voters, itself a learner). */
export interface Bootstrap {
  readonly peers: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** The members' incarnations when this process knows them all (bound from the first entry). */
  readonly incarnations?: Readonly<Record<NodeId, number>>;
  /** The incarnation a new store of this node gets (so the bootstrap and the addLearner can name it). */
  readonly incarnation?: number;
}

/** What one node's actor is started with. */
export function actorOptionsFor(
  o: ResolvedOptions,
  id: NodeId,
  epoch: number,
  boot: Bootstrap | undefined,
): ActorOptions {
  return {
    id,
    peers: boot?.peers ?? o.ids,
    learners: boot?.learners ?? [],
    ...(boot?.incarnations !== undefined ? { bootstrapIncarnations: boot.incarnations } : {}),
    ...(boot?.incarnation !== undefined ? { incarnation: boot.incarnation } : {}),
    seed: fnv1a32(id, o.seed >>> 0) ^ epoch,
    tickMs: o.tickMs,
    raft: o.raft,
    machine: o.stateMachine,
    epoch,
    hashCheckEvery: o.hashCheckEvery,
    parallelLeaderWrites: o.parallelLeaderWrites,
    priority: o.priorities[id],
    observeEveryMs: Math.max(10, o.tickMs * 2),
    snapshot: {
      catchUpEntries: o.snapshotCatchUpEntries,
      stateRatio: o.snapshotStateRatio,
      compression: o.snapshotCompression,
      level: o.snapshotCompressionLevel,
    },
    maxBatchBytes: o.maxBatchBytes,
  };
}
