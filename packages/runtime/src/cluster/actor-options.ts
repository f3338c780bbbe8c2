import { ConfigError, MemoryStorage, type NodeId, RaftNode } from '@raftkit/core';
import type { ActorOptions } from '../actor/node-actor.js';
import { raftConfigOf } from '../actor/raft-config.js';
import { InvalidRequestError } from '../errors.js';
import { hashString } from '../rng.js';
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
    seed: hashString(id, o.seed >>> 0) ^ epoch,
    tickMs: o.tickMs,
    electionTicks: o.electionTicks,
    heartbeatTicks: o.heartbeatTicks,
    preVote: o.preVote,
    checkQuorum: o.checkQuorum,
    readMode: o.readMode,
    maxClockDriftTicks: o.maxClockDriftTicks,
    machine: o.stateMachine,
    epoch,
    hashCheckEvery: o.hashCheckEvery,
    checkpointInterval: o.checkpointInterval,
    checkpointGraceIntervals: o.checkpointGraceIntervals,
    checkpointGraceTicks: o.checkpointGraceTicks,
    parallelLeaderWrites: o.parallelLeaderWrites,
    timeouts: o.timeouts,
    minElectionTicks: o.minElectionTicks,
    maxElectionTicks: o.maxElectionTicks,
    priority: o.priorities[id],
    priorityTransferDelayTicks: o.priorityTransferDelayTicks,
    observeEveryMs: Math.max(10, o.tickMs * 2),
    snapshot: {
      entries: o.snapshotEntries,
      bytes: o.snapshotBytes,
      chunkBytes: o.snapshotChunkBytes,
      maxBytes: o.maxSnapshotBytes,
      catchUpEntries: o.snapshotCatchUpEntries,
      compression: o.snapshotCompression,
      level: o.snapshotCompressionLevel,
    },
    promoteMaxLag: o.promoteMaxLag,
    maxProposalBytes: o.maxProposalBytes,
    maxBytesPerMsg: o.maxBytesPerMsg,
    maxInflightMsgs: o.maxInflightMsgs,
    maxBatchBytes: o.maxBatchBytes,
  };
}

/**
 * Judge the core settings (election and heartbeat ticks, drift bound,
 * adaptive bounds, ...) by the core's own rules before any worker starts:
 * a throwaway RaftNode over a MemoryStorage, as the first local node would
 * be configured. A ConfigError becomes the runtime's InvalidRequestError.
 */
export function checkCoreOptions(o: ResolvedOptions): void {
  const actor = actorOptionsFor(o, o.local[0], 0, undefined);
  try {
    new RaftNode(raftConfigOf(actor, new MemoryStorage(), 0));
  } catch (error) {
    if (error instanceof ConfigError)
      throw new InvalidRequestError(`invalid cluster options: ${error.message}`);
    throw error;
  }
}
