export { type ActorHost, type ActorOptions, NodeActor } from './actor/node-actor.js';
export type { ActorSnapshotOptions } from './actor/snapshot-keeper.js';
export { Backoff, type BackoffOptions, backoffDelay } from './backoff.js';
export {
  type ClientOptions,
  type ClientStats,
  type ClientTarget,
  type CommandOptions,
  type GetOptions,
  type QueryOptions,
  RaftClient,
} from './client/raft-client.js';
export {
  Cluster,
  createCluster,
  type MembershipOptions,
  type RepairResult,
  type WaitForLeaderOptions,
} from './cluster/cluster.js';
export {
  type ClusterEventMap,
  ClusterEvents,
  type MembershipEvent,
  type NodeLifecycleEvent,
  type RepairEvent,
  type StatusEvent,
  type TransitionEvent,
} from './cluster/events.js';
export { NodeHandle } from './cluster/node-handle.js';
export {
  type ClusterOptions,
  checkNodeId,
  DEFAULT_TICK_MS,
  FLAT_RAFT_OPTIONS,
  type FlatRaftOptions,
  type LocalNodeOptions,
  raftTuningOf,
} from './cluster/options.js';
export type {
  ActorEvent,
  CorruptionResult,
  FailedState,
  HashCheckResult,
  NodeControlApi,
  ObservationData,
  ReadConsistency,
  ReadResult,
  Reply,
  RuntimeNodeStatus,
  RuntimePeerLiveness,
  SnapshotEvent,
  SnapshotStatus,
  StateSnapshot,
} from './control/api.js';
export { fromWireError, toWireError, type WireError } from './error-wire.js';
export * from './errors.js';
export {
  type ApplyContext,
  type AppMachineFactory,
  type AppStateMachine,
  type CommandOf,
  defineStateMachine,
  type QueryOf,
  type QueryResultOf,
  type ResultOf,
} from './machine/app-machine.js';
export { type AppOutcome, decodeAppRequest, encodeAppRequest } from './machine/app-request.js';
export {
  type ApplyErrorPolicy,
  DEFAULT_APP_MAX_SESSIONS,
  SessionMachine,
} from './machine/session-machine.js';
export {
  type RuntimeStateMachine,
  type StateMachineSpec,
  validateStateMachineSpec,
} from './machine/state-machine-spec.js';
export { SideWorkPool, type SideWorkPoolOptions } from './side-work/pool.js';
export type { SideResult, SideTask } from './side-work/protocol.js';
export {
  InlineSnapshotCodec,
  type PackedSnapshot,
  PoolSnapshotCodec,
  type SnapshotCodec,
  type UnpackedSnapshot,
} from './side-work/snapshot-codec.js';
export {
  envelopeInfo,
  packEnvelope,
  type SnapshotCompression,
  SnapshotEnvelopeError,
  unpackEnvelope,
} from './snapshot/envelope.js';
export type { DurableStorage, PersistBatch, StorageStats } from './storage/durable-storage.js';
export { type LmdbDurability, LmdbStorage, type LmdbStorageOptions } from './storage/lmdb-storage.js';
export { MemoryDurableStorage } from './storage/memory-storage.js';
export { type Sealed, seal, verifySealed } from './storage/sealed-record.js';
export { type SeedSnapshot, seedStoreFromSnapshot } from './storage/seed-store.js';
export type { DirectTraffic } from './transport/direct-peers.js';
export { FaultTable, type LinkFaults, type LinkSelector, NO_FAULTS } from './transport/fault-table.js';
export { packFrames, type UnpackedFrames, unpackFrames } from './transport/frame-batch.js';
export type {
  DirectPeerMessage,
  InboundBatches,
  OutboundBatches,
  RouterToActor,
} from './transport/port-protocol.js';
export { type Link, Router, type RouterOptions, type RouterStats } from './transport/router.js';
export { type WaitForOptions, waitFor } from './wait-for.js';
