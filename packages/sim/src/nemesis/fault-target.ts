/**
 * What the nemesis and its scenario modules share, below all of them: the
 * host they drive (`FaultTarget`, its membership operations), the nemesis'
 * options, and `NemesisFaults`, the part of the `Nemesis` that scenarios,
 * compaction and the membership operator call back into. They import this
 * module, never nemesis.ts, so the nemesis can import them without a cycle.
 */
import type {
  ConfChange,
  ConfState,
  NodeId,
  ProposalOutcome,
  ResolvedRaftTuning,
  SeededRng,
} from '@raftkit/core';
import type { NetworkModel } from '../network.js';
import type { Reactions } from './reactions.js';

/** When an armed node crashes around its next disk sync. */
export type CrashPoint =
  /** At the sync: writes not yet synced are lost (messages already sent only if the host sends early). */
  | 'beforeSync'
  /** Right after a synced vote grant left the node. */
  | 'afterVoteSent'
  /** At the first sync that would make a snapshot durable (one it took, or one installed from the leader). */
  | 'beforeSnapshotSync';

export interface FaultTarget {
  readonly now: number;
  readonly tickUs: number;
  readonly network: NetworkModel;
  nodeIds(): readonly NodeId[];
  /** Not crashed (a paused node is up). */
  isUp(id: NodeId): boolean;
  isPaused(id: NodeId): boolean;
  /** The up node that believes it leads with the highest term, if any. */
  leader(): NodeId | null;
  crash(id: NodeId): void;
  restart(id: NodeId): void;
  pause(id: NodeId, queueInbox: boolean): void;
  resume(id: NodeId): void;
  setClockRate(id: NodeId, rate: number): void;
  /** Arms `id` to crash at `point`, then restart after `restartAfterUs`. */
  armCrash(id: NodeId, point: CrashPoint, restartAfterUs: number): void;
  disarmAll(): void;
  transferLeadership(from: NodeId, to: NodeId): void;
  /** True while the workload only reads (logs stand still). */
  writesPaused(): boolean;
  /** Makes `id` start an election now (as if its election timer fired). */
  campaign(id: NodeId): void;
  /** Calls `fn` at virtual time `time`. */
  at(time: number, fn: () => void): void;
  /** A line for the trace. */
  log(text: string): void;
  /** Voters of the configuration in force (as the leader sees it); a static cluster: nodeIds(). */
  voters(): readonly NodeId[];
  /** Makes `id` snapshot its state machine at its applied index and compact its log. */
  snapshotNow(id: NodeId): void;
  /** First and last index of `id`'s log (what a leader can still send without a snapshot). */
  logBounds(id: NodeId): { readonly first: number; readonly last: number };
  /** Membership operations, in simulations whose profile changes membership. */
  readonly membership?: MembershipControl;
}

/** electionTicks: the cluster's base election timeout (scenarios time their moves by it). */
export interface NemesisOptions extends Pick<ResolvedRaftTuning, 'electionTicks'> {
  /** Virtual time of the first fault. */
  readonly startAt: number;
  /** Virtual time at which every fault is healed and no new one starts. */
  readonly healAt: number;
  /** Clock rates are drawn from this range (1 = real time). */
  readonly clockRateRange: readonly [number, number];
}

/** The leader's view of the configuration. */
export interface LeaderView {
  readonly leader: NodeId;
  readonly term: number;
  readonly conf: ConfState;
  /** Index of the newest change in the leader's log if not committed yet, else 0. */
  readonly pendingConfIndex: number;
  /** Learners the leader replicates to normally, heard from recently, close to its commit index. */
  readonly caughtUpLearners: readonly NodeId[];
}

/** What the operator (and the overlapping-changes scenario) may do to the cluster's membership. */
export interface MembershipControl {
  /** The current leader's view, or null when no node leads. */
  view(): LeaderView | null;
  /**
   * Proposes `change` at `leader` now. Returns whether it was appended;
   * `done` gets the outcome when it arrives (never if the leader crashes first).
   */
  propose(leader: NodeId, change: ConfChange, done: (o: ProposalOutcome) => void): boolean;
  /** Machines that may join: never started, or wiped (and idle for a while) since. */
  spares(): readonly NodeId[];
  /** Starts `id` with empty storage, bootstrapped to join `conf` as a learner; returns its store's incarnation. */
  startJoiner(id: NodeId, conf: ConfState): number;
  /** Takes `id` out of service for good (no restart); `wipe` also erases its disk, so it may join again. */
  decommission(id: NodeId, wipe: boolean): void;
  /** True while `id` runs as one of the cluster's machines (up, or down and due to restart). */
  isHosted(id: NodeId): boolean;
  /**
   * The operator's mistake: `id`'s disk is wiped and it restarts at once, empty,
   * under the same id (a new store incarnation) without being removed first.
   */
  wipeInPlace(id: NodeId): void;
}

/** A multi-step scenario that owns the network while it runs. */
export type ScenarioName = 'figure8' | 'duel' | 'overlappingChanges';

/** The part of the Nemesis its scenario modules (scenarios, compaction, membership) drive. */
export interface NemesisFaults {
  readonly target: FaultTarget;
  readonly rng: SeededRng;
  readonly opts: NemesisOptions;
  readonly reactions: Reactions;
  /** The multi-step scenario in progress, if any. */
  readonly scenarios: { running: ScenarioName | null };
  /** True once everything was healed at `healAt` (no new faults). */
  readonly healed: boolean;
  /** Bumped by every network fault. */
  readonly currentNetworkGeneration: number;
  /** A random fault duration of the profile, in microseconds. */
  duration(): number;
  /** Applies a network fault (healed after `healAfter` us unless null); false when none may start now. */
  networkFault(kind: string, apply: () => void, healAfter?: number | null): boolean;
  /** Heals the network (only if no newer fault came since `gen`, when given). */
  healNetwork(gen?: number | null): void;
  /** Crashes `id` (or a node that may go down) for `downFor` us. */
  crash(kind: string, id: NodeId | null, downFor: number): boolean;
  bumpNodeFault(id: NodeId): number;
  nodeFaultGenerationOf(id: NodeId): number;
  canTakeDown(id: NodeId): boolean;
  pickDownable(prefer: NodeId | null): NodeId | null;
  /** The leader plus enough random followers for a minority, and the majority of the rest. */
  splitAround(leader: NodeId): { minority: NodeId[]; majority: NodeId[] };
}
