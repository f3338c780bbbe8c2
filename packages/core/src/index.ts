export {
  ADAPT_MIN_SAMPLES,
  adaptiveElectionTicks,
  adaptiveHeartbeatTicks,
  gapBound,
  leaseTicks,
  quorumGap,
  TimeoutController,
  type TimeoutSettings,
  trustedGapBound,
} from './adaptive-timeouts.js';
export {
  type CheckpointSettings,
  CheckpointTracker,
  type CheckpointVerdict,
  isCheckpointIndex,
  OWN_CHECKPOINT_HISTORY,
} from './checkpoints.js';
export { crc32 } from './checksum.js';
export { ClockRateJudge, ClockRateMeter, RATE_SCALE } from './clock-rate.js';
export * from './codec.js';
export {
  applyConfChange,
  CONF_CHANGE_TAGS,
  CONF_CHANGE_VERSION,
  CONF_CHANGE_VERSION_WITH_IDENTITY,
  type ConfChangeRecord,
  decodeConfChange,
  encodeConfChange,
  isConfChangeType,
  MAX_CONF_CHANGE_BYTES,
  validateConfChange,
} from './conf-change.js';
export {
  bootstrapConf,
  boundIncarnation,
  copyConf,
  isMember,
  sameConf,
  sameIncarnations,
} from './conf-state.js';
export type { RaftConfig, RaftTuning } from './config.js';
export * from './errors.js';
export { classifyContact, FailureDetector, RTT_WINDOW } from './failure-detector.js';
export * from './kv-state-machine.js';
export {
  bestTransferCandidate,
  PriorityTransferPolicy,
  type TransferCandidate,
} from './leader-priority.js';
export { type LogBounds, LogWindow, WindowedStorage } from './log-window.js';
export { MemoryStorage, type MemoryStorageInit } from './memory-storage.js';
export {
  type ChannelState,
  type ChannelView,
  combineHealth,
  contactState,
  type Health,
  type HealthView,
  PeerHealth,
  type PeerHealthOptions,
} from './peer-health.js';
export { RaftNode } from './raft-node.js';
export {
  isRaftTuningOption,
  RAFT_DEFAULTS,
  RAFT_TUNING_OPTIONS,
  type ResolvedRaftTuning,
  validateRaftTuning,
} from './resolved-config.js';
export { fnv1a32, SeededRng } from './rng.js';
export {
  type RoleEvent,
  type RoleEventType,
  type RoleMachine,
  type RoleMachineContext,
  type RoleMachineInput,
  roleMachine,
  TRANSITION_REASONS,
} from './role-machine.js';
export { RttEstimator, type RttEstimatorOptions, type RttStats } from './rtt-estimator.js';
export { type SnapshotPolicy, type SnapshotProgress, shouldSnapshot } from './snapshot-policy.js';
export * from './split-brain-monitor.js';
export type {
  AlertKind,
  AlertSeverity,
  NodeObservation,
  NodeVerification,
  SplitBrainAlert,
  SplitBrainMonitorOptions,
  StaleLeaderEpisode,
} from './split-brain-observation.js';
export type { StateMachine } from './state-machine.js';
export { isSnapshotStorage, type SnapshotStorage, type Storage } from './storage.js';
export * from './types.js';
