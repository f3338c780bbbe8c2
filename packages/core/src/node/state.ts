/**
 * The state of one Raft node that every part of it reads and writes (etcd's `raft` struct), and the
 * small helpers they share.
 */

import { type Actor, createActor } from 'xstate';
import { TimeoutController } from '../adaptive-timeouts.js';
import { CheckpointTracker } from '../checkpoints.js';
import { ClockRateJudge, ClockRateMeter } from '../clock-rate.js';
import type { RaftConfig } from '../config.js';
import { ConfigError, RaftError } from '../errors.js';
import { FailureDetector } from '../failure-detector.js';
import { IdentityGuard } from '../identity-guard.js';
import { type InjectedBug, injectedBugsIn } from '../injected-bugs.js';
import { PriorityTransferPolicy } from '../leader-priority.js';
import { Membership } from '../membership.js';
import type { Progress } from '../progress.js';
import { ProposalTracker } from '../proposals.js';
import { RaftLog } from '../raft-log.js';
import { ReadIndexQueue } from '../read-only.js';
import { type ResolvedConfig, resolveConfig, resolveMembership } from '../resolved-config.js';
import { SeededRng } from '../rng.js';
import { type RoleEvent, type RoleMachine, roleMachine } from '../role-machine.js';
import { SnapshotReceiver } from '../snapshot-receiver.js';
import type {
  ConfState,
  Divergence,
  HardState,
  Message,
  NodeId,
  ProposalOutcome,
  QuarantineStatus,
  ReadState,
  Role,
  RoleTransition,
  SnapshotRejection,
  SoftState,
} from '../types.js';

/** The event that caused a role action; the initial entry is caused by XState's init event. */
export type CauseEvent = RoleEvent | { readonly type: 'xstate.init' };

/** The message types that can carry type `T` (a vote response type names one of two). */
export type MessageOf<T extends Message['type'], M = Message> = M extends { readonly type: infer U }
  ? T extends U
    ? M
    : never
  : never;

export type StepHandler<T extends Message['type']> = (n: NodeState, m: MessageOf<T>) => void;

/** A role's message handlers by message type; a type it has no handler for is ignored in that role. */
export type StepTable = { readonly [T in Message['type']]?: StepHandler<T> };

/**
 * What a role does (etcd's `r.tick` / `r.step`, dragonboat's `handlers[state][msgType]`): its tick
 * and its handler per message type. One table per role (step-follower.ts, step-candidate.ts,
 * step-leader.ts); the role chart's entry installs it (roles.ts), nothing else does.
 */
export interface RoleHandlers {
  readonly role: Role;
  readonly tick: (n: NodeState) => void;
  readonly step: StepTable;
}

/** What advance() must acknowledge about the Ready handed out last. */
export interface ReadyMarks {
  readonly lastEntry: { readonly index: number; readonly term: number } | null;
  readonly snapshotIndex: number | null;
  readonly appliedTo: number | null;
  /** Payload bytes of the committed entries handed out (snapshot policy accounting). */
  readonly appliedBytes: number;
}

/** Applied payload bytes up to an index: snapshot-policy bookkeeping, one mark per applied batch. */
export interface AppliedMark {
  readonly index: number;
  readonly bytes: number;
}

export const MAX_APPLIED_MARKS = 1024;

export interface ForwardedRead {
  readonly ctx: number;
  readonly sentTick: number;
}

export const EMPTY = new Uint8Array(0);

/** Followers measure a leader's clock rate over at least this many election timeouts of their own ticks. */
export const CLOCK_SPAN_ELECTIONS = 5;

/**
 * Every field of one node, shared by the modules of this folder (each a set of functions over it,
 * like etcd's methods on `raft`). Only `RaftNode` creates one; it is not exported from the package.
 */
export class NodeState {
  readonly id: NodeId;
  readonly cfg: ResolvedConfig;
  readonly bugs: ReadonlySet<InjectedBug>;
  readonly rng: SeededRng;
  readonly log: RaftLog;
  /** The role statechart (role-machine.ts): the one holder of the role. Events reach it through `fire`. */
  readonly roleActor: Actor<RoleMachine>;
  /**
   * The handlers of the chart's current state, installed by the chart's entry emission and by nothing
   * else (roles.ts `enterRole`); `role` reads it. A cached reference to the chart's state, so that
   * the hot path (every step and tick) does not ask the actor; the safety fuzz checks after every
   * input that it equals the actor's state. Set when RaftNode starts the chart.
   */
  handlers!: RoleHandlers;
  /** What the work of a chart emission threw (XState would swallow it); `fire` throws it to its caller. */
  roleFailure: { readonly error: unknown } | null = null;

  // Persistent state (§5, Figure 2), mirrored into Ready.hardState.
  term: number;
  vote: NodeId | null;
  // Volatile state.
  lead: NodeId | null = null;
  /** The configuration in force is the newest in the log (thesis §4.1): it follows every append. */
  readonly membership: Membership;
  now = 0;
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  readonly votes = new Map<NodeId, boolean>();
  campaignIsTransfer = false;
  /**
   * Until this tick a restarted node refuses (pre-)votes as if it had just heard
   * from a leader: before the crash it may have acknowledged a heartbeat that
   * a leader lease counts on, and the volatile memory of it is gone.
   */
  readonly restartStickyUntil: number;

  // Leader state.
  progress = new Map<NodeId, Progress>();
  leadTransferee: NodeId | null = null;
  transferStartTick = 0;
  committedInTerm = false;
  leaseUntil: number | null = null;
  readonly reads = new ReadIndexQueue();
  readonly proposals = new ProposalTracker();

  // Follower state: reads forwarded to the leader, keyed by the ctx we sent.
  readonly forwardedReads = new Map<number, ForwardedRead>();
  nextForwardId = 1;
  /** A chunked snapshot being received from the leader of the current term. */
  readonly receiver: SnapshotReceiver;
  snapshotsInstalled = 0;
  snapshotsRejected = 0;

  // Divergence detection (checkpoints.ts) and quarantine.
  readonly checkpoints: CheckpointTracker;
  quarantineState: QuarantineStatus | null = null;
  // Failure detection, timeouts, leader priority.
  readonly detector = new FailureDetector();
  readonly timeouts: TimeoutController;
  /** Leader: what followers said about themselves on their latest heartbeat responses. */
  readonly peerPriorities = new Map<NodeId, number>();
  readonly peerQuarantined = new Set<NodeId>();
  readonly priorityPolicy: PriorityTransferPolicy;
  /** Identity (id + incarnation): whose votes and acknowledgements count. */
  readonly identity: IdentityGuard;
  /** Clock rates behind the lease (clock-rate.ts): measured as a follower, judged as a leader. */
  readonly clockMeter: ClockRateMeter;
  readonly clockJudge: ClockRateJudge;

  // Snapshot policy: payload bytes applied so far, with a mark per applied batch.
  appliedBytes = 0;
  appliedMarks: AppliedMark[] = [];

  // Output accumulated for the next Ready.
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  outcomes: ProposalOutcome[] = [];
  transitions: RoleTransition[] = [];
  snapshotRejections: SnapshotRejection[] = [];
  divergences: Divergence[] = [];
  /** Set by RaftNode once the initial role is entered. */
  prevSoft!: SoftState;
  prevHard: HardState;
  pendingReady: ReadyMarks | null = null;

  constructor(config: RaftConfig) {
    this.bugs = injectedBugsIn(config);
    const cfg = resolveConfig(config, { allowUnsafeLease: this.bugs.has('lease-without-checkquorum') });
    this.cfg = cfg;
    this.id = cfg.id;
    this.rng = new SeededRng(cfg.seed, cfg.id);
    this.timeouts = new TimeoutController(cfg);
    this.checkpoints = new CheckpointTracker(cfg.id, {
      interval: cfg.checkpointInterval,
      graceIntervals: cfg.checkpointGraceIntervals,
      graceTicks: cfg.checkpointGraceTicks,
    });
    this.priorityPolicy = new PriorityTransferPolicy(cfg.priorityTransferDelayTicks);
    this.identity = new IdentityGuard(cfg.id, !this.bugs.has('ignore-incarnation'));
    const clockSpan = CLOCK_SPAN_ELECTIONS * cfg.electionTicks;
    this.clockMeter = new ClockRateMeter(clockSpan, 4 * clockSpan);
    this.clockJudge = new ClockRateJudge(cfg.id, {
      electionTicks: cfg.electionTicks,
      maxClockDriftTicks: cfg.maxClockDriftTicks,
      minSpanTicks: clockSpan,
      staleTicks: 2 * cfg.electionTicks,
    });

    const { hardState, confState } = cfg.storage.initialState();
    this.log = new RaftLog(cfg.storage);
    // The log's base configuration is the snapshot's (the configuration at its index); the
    // ConfChange entries after it, each carrying a whole configuration, say what is in force.
    const baseConf = resolveMembership(cfg, cfg.storage.snapshot()?.meta.conf ?? confState ?? null);
    this.membership = Membership.fromStorage(baseConf, cfg.storage);
    this.receiver = new SnapshotReceiver(cfg.maxSnapshotBytes);
    const first = this.log.firstIndex();
    const last = this.log.lastIndex();
    if (hardState.commit > last) {
      throw new RaftError(
        'STORAGE',
        `stored commit index ${hardState.commit} is beyond the last index ${last}`,
      );
    }
    // A snapshot holds applied, hence committed, state. Logs may keep entries before it (compacted
    // short of the snapshot): a host that restored the snapshot must not get those entries again.
    const snapIndex = cfg.storage.snapshot()?.meta.index ?? 0;
    const base = snapIndex <= last ? Math.max(first - 1, snapIndex) : first - 1;
    this.log.committed = Math.max(hardState.commit, base);
    const applied = cfg.applied ?? base;
    if (applied < first - 1 || applied > this.log.committed) {
      throw new ConfigError(`applied (${applied}) must lie in [${first - 1}, ${this.log.committed}]`);
    }
    this.log.applied = applied;
    this.log.applying = applied;
    this.term = hardState.term;
    // Injected bug 'double-vote': forget the vote that was persisted before the restart.
    this.vote = this.bugs.has('double-vote') ? null : hardState.vote;
    this.prevHard = hardState;
    this.appliedMarks.push({ index: this.log.applied, bytes: 0 });
    this.restartStickyUntil = hardState.term > 0 ? cfg.electionTicks : 0;

    this.roleActor = createActor(roleMachine, { input: { preVote: cfg.preVote } });
  }

  /** The role the chart is in (the installed handlers'; see `handlers`). */
  get role(): Role {
    return this.handlers.role;
  }
}

/**
 * Sends a role event to the chart. The role change it decides is carried out (roles.ts) before this
 * returns; when sent from inside that work (a candidate that wins at once), XState runs it right
 * after the work in progress, as the last thing of the outer `fire`.
 */
export function fire(n: NodeState, event: RoleEvent): void {
  n.roleActor.send(event);
  throwRoleFailure(n);
}

/** Throws (once) what the work of a chart emission threw. */
export function throwRoleFailure(n: NodeState): void {
  const failure = n.roleFailure;
  if (failure === null) return;
  n.roleFailure = null;
  throw failure.error;
}

/** The configuration in force: the newest in the log (thesis §4.1). */
export function conf(n: NodeState): ConfState {
  return n.membership.conf;
}

/** Index of the newest membership change if it is not committed yet, else 0 (one change at a time). */
export function pendingConfIndex(n: NodeState): number {
  const i = n.membership.lastChangeIndex;
  return i > n.log.committed ? i : 0;
}

export function promotable(n: NodeState): boolean {
  return conf(n).voters.includes(n.id);
}

/** [T, 2T) with T the base election timeout in force; a quarantined node waits one T more. */
export function drawElectionTimeout(n: NodeState): number {
  const base = n.timeouts.followerElectionTicks();
  // A quarantined node should not lead (it would hand over at once): let healthy nodes campaign first.
  const extra = n.quarantineState !== null ? base : 0;
  return base + extra + n.rng.nextInt(base);
}

export function send<M extends Message>(n: NodeState, m: M): void {
  if (n.cfg.incarnation !== 0) (m as { inc?: number }).inc = n.cfg.incarnation;
  n.msgs.push(m);
}

export function softState(n: NodeState): SoftState {
  return { role: n.role, leader: n.lead, term: n.term };
}

export function hardState(n: NodeState): HardState {
  return { term: n.term, vote: n.vote, commit: n.log.committed };
}
