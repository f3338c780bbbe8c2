export * from './checker/index.js';
export { type CliArgs, parseCliArgs } from './cli-args.js';
export type { ClientReply, ClientRequest } from './client-protocol.js';
export { type Election, ElectionStats, type ElectionStatsResult } from './election-stats.js';
export { EventQueue } from './event-queue.js';
export { HostSnapshots } from './host-snapshots.js';
export {
  AcknowledgedWrites,
  CommitSafety,
  checkConvergence,
  ElectionSafety,
  type InvariantName,
  InvariantSuite,
  LogMatching,
  type LogView,
  MembershipSafety,
  SnapshotSafety,
  StateMachineSafety,
  type Violation as InvariantViolation,
} from './invariants/index.js';
export {
  formatComparison,
  summarizeVariant,
  TIMEOUT_VARIANTS,
  type TimeoutVariant,
  type VariantReport,
} from './jitter.js';
export { MembershipHost } from './membership-host.js';
export {
  type CrashPoint,
  type FaultKind,
  type FaultTarget,
  type LeaderView,
  type MembershipControl,
  MembershipOperator,
  Nemesis,
  type NemesisProfile,
  type NemesisProfileName,
  PROFILES,
} from './nemesis/index.js';
export { DEFAULT_LINK, type LinkProfile, NetworkModel, type Topology } from './network.js';
export {
  BUG_NAMES,
  type BugName,
  type ClusterConfig,
  DEFAULT_TICKS,
  describeClusterConfig,
  type SimOptions,
  TICK_US,
  type TimeoutsMode,
} from './options.js';
export { runSeedsOnPool, WORKER_URL } from './pool.js';
export { runSeed } from './run-seed.js';
export { type ElectionCause, SimNode } from './sim-node.js';
export { Simulation } from './simulation.js';
export {
  type Aggregate,
  addResult,
  emptyAggregate,
  formatAggregate,
  formatSeed,
  replayCommand,
  type SeedResult,
  seedFailed,
} from './summary.js';
export { Client, type WorkloadOptions } from './workload.js';
