import type { RaftConfig, Storage } from '@raftkit/core';
import type { ActorOptions } from './node-actor.js';

/**
 * The core configuration of an actor's RaftNode. One mapping, used by the
 * actor and by createCluster's up-front check (which builds a throwaway
 * RaftNode so that the core's own rules judge the options before any worker
 * starts).
 */
export function raftConfigOf(
  opts: ActorOptions,
  storage: Storage,
  applied: number,
  incarnation = 0,
): RaftConfig {
  const snap = opts.snapshot;
  return {
    id: opts.id,
    storage,
    peers: opts.peers,
    learners: opts.learners ?? [],
    incarnation,
    ...(opts.bootstrapIncarnations !== undefined
      ? { bootstrapIncarnations: opts.bootstrapIncarnations }
      : {}),
    snapshotEntries: snap.entries,
    snapshotBytes: snap.bytes,
    snapshotChunkBytes: snap.chunkBytes,
    maxSnapshotBytes: snap.maxBytes,
    promoteMaxLag: opts.promoteMaxLag,
    maxProposalBytes: opts.maxProposalBytes,
    maxBytesPerMsg: opts.maxBytesPerMsg,
    maxInflightMsgs: opts.maxInflightMsgs,
    seed: opts.seed,
    electionTicks: opts.electionTicks,
    heartbeatTicks: opts.heartbeatTicks,
    preVote: opts.preVote,
    checkQuorum: opts.checkQuorum,
    readMode: opts.readMode,
    maxClockDriftTicks: opts.maxClockDriftTicks,
    checkpointInterval: opts.checkpointInterval,
    checkpointGraceIntervals: opts.checkpointGraceIntervals,
    checkpointGraceTicks: opts.checkpointGraceTicks,
    timeouts: opts.timeouts,
    minElectionTicks: opts.minElectionTicks,
    maxElectionTicks: opts.maxElectionTicks,
    priority: opts.priority,
    priorityTransferDelayTicks: opts.priorityTransferDelayTicks,
    applied,
  };
}
