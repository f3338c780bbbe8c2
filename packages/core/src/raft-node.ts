/**
 * One Raft peer as a pure, deterministic state machine, driven like etcd's
 * RawNode. Inputs: tick(), step(), propose(), readIndex(),
 * transferLeadership(), campaign(). Output: ready() / advance() (the Ready
 * contract is in types.ts and the package README).
 *
 * Who we are (the role) is decided by an actor of `roleMachine`; every role
 * change is an event sent to it and comes back as a `roleEntered` emission
 * that this class carries out (after the actor finished its step, so an
 * exception here can never be swallowed inside XState). What we do in a role (replication, commit, reads,
 * outcomes) lives in the plain modules imported below.
 */
import { type Actor, createActor } from 'xstate';
import { gapBound, TimeoutController, trustedGapBound } from './adaptive-timeouts.js';
import { CheckpointTracker, type CheckpointVerdict, isCheckpointIndex } from './checkpoints.js';
import { ClockRateJudge, ClockRateMeter, RATE_SCALE } from './clock-rate.js';
import { MAX_HASH_LENGTH } from './codec.js';
import { applyConfChange, encodeConfChange, validateConfChange } from './conf-change.js';
import { copyConf } from './conf-state.js';
import type { RaftConfig } from './config.js';
import {
  CompactedError,
  ConfigError,
  InvalidArgumentError,
  NotLeaderError,
  RaftError,
  UsageError,
} from './errors.js';
import { classifyContact, FailureDetector } from './failure-detector.js';
import { IdentityGuard } from './identity-guard.js';
import { type InjectedBug, injectedBugsIn } from './injected-bugs.js';
import { bestTransferCandidate, PriorityTransferPolicy, type TransferCandidate } from './leader-priority.js';
import { Membership } from './membership.js';
import { validateMessage } from './message-validation.js';
import type { Health } from './peer-health.js';
import { Progress } from './progress.js';
import { ProposalTracker } from './proposals.js';
import { quorumActive, quorumValue, voteResult } from './quorum.js';
import { RaftLog } from './raft-log.js';
import { ReadIndexQueue, type ReadRequest } from './read-only.js';
import {
  leaseReadsAllowed,
  type ResolvedConfig,
  resolveConfig,
  resolveMembership,
} from './resolved-config.js';
import { SeededRng } from './rng.js';
import { type RoleEvent, type RoleMachine, roleMachine, TRANSITION_REASONS } from './role-machine.js';
import { type SnapshotProgress, shouldSnapshot } from './snapshot-policy.js';
import { type ReceiveResult, SnapshotReceiver } from './snapshot-receiver.js';
import { OutgoingSnapshot } from './snapshot-sender.js';
import {
  type AppendMessage,
  type AppendResponseMessage,
  type Checkpoint,
  type ConfChange,
  type ConfState,
  type Divergence,
  type DropReason,
  type Entry,
  EntryType,
  type HardState,
  type HeartbeatMessage,
  type HeartbeatResponseMessage,
  type Message,
  type NodeId,
  type NodeStatus,
  type PeerLiveness,
  type PeerProgress,
  type ProposalOutcome,
  type QuarantineStatus,
  type ReadIndexMessage,
  type ReadIndexResponseMessage,
  type ReadMode,
  type ReadState,
  type Ready,
  type Role,
  type RoleTransition,
  type SnapshotMessage,
  type SnapshotRejection,
  type SnapshotResponseMessage,
  type SoftState,
  type TimeoutStatus,
  type VoteMessage,
  type VoteResponseMessage,
} from './types.js';

/** The event that caused a role action; the initial entry is caused by XState's init event. */
type CauseEvent = RoleEvent | { readonly type: 'xstate.init' };

type RoleIntent =
  | { readonly kind: 'enter'; readonly role: Role; readonly event: CauseEvent }
  | { readonly kind: 'adoptTerm'; readonly event: CauseEvent };

/** What advance() must acknowledge about the Ready handed out last. */
interface ReadyMarks {
  readonly lastEntry: { readonly index: number; readonly term: number } | null;
  readonly snapshotIndex: number | null;
  readonly appliedTo: number | null;
  /** Payload bytes of the committed entries handed out (snapshot policy accounting). */
  readonly appliedBytes: number;
}

/** Applied payload bytes up to an index: snapshot-policy bookkeeping, one mark per applied batch. */
interface AppliedMark {
  readonly index: number;
  readonly bytes: number;
}

const MAX_APPLIED_MARKS = 1024;

interface ForwardedRead {
  readonly ctx: number;
  readonly sentTick: number;
}

const EMPTY = new Uint8Array(0);

/** Followers measure a leader's clock rate over at least this many election timeouts of their own ticks. */
const CLOCK_SPAN_ELECTIONS = 5;

export class RaftNode {
  readonly id: NodeId;
  private readonly cfg: ResolvedConfig;
  private readonly bugs: ReadonlySet<InjectedBug>;
  private readonly rng: SeededRng;
  private readonly log: RaftLog;
  private readonly roleActor: Actor<RoleMachine>;
  private readonly intents: RoleIntent[] = [];

  // Persistent state (§5, Figure 2), mirrored into Ready.hardState.
  private term: number;
  private vote: NodeId | null;
  // Volatile state.
  private role: Role = 'follower';
  private lead: NodeId | null = null;
  /** The configuration in force is the newest in the log (thesis §4.1): it follows every append. */
  private readonly membership: Membership;
  private now = 0;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readonly votes = new Map<NodeId, boolean>();
  private campaignIsTransfer = false;
  /**
   * Until this tick a restarted node refuses (pre-)votes as if it had just heard
   * from a leader: before the crash it may have acknowledged a heartbeat that
   * a leader lease counts on, and the volatile memory of it is gone.
   */
  private readonly restartStickyUntil: number;

  // Leader state.
  private progress = new Map<NodeId, Progress>();
  private leadTransferee: NodeId | null = null;
  private transferStartTick = 0;
  private committedInTerm = false;
  private leaseUntil: number | null = null;
  private readonly reads = new ReadIndexQueue();
  private readonly proposals = new ProposalTracker();

  // Follower state: reads forwarded to the leader, keyed by the ctx we sent.
  private readonly forwardedReads = new Map<number, ForwardedRead>();
  private nextForwardId = 1;
  /** A chunked snapshot being received from the leader of the current term. */
  private readonly receiver: SnapshotReceiver;
  private snapshotsInstalled = 0;
  private snapshotsRejected = 0;

  // Divergence detection (checkpoints.ts) and quarantine.
  private readonly checkpoints: CheckpointTracker;
  private quarantineState: QuarantineStatus | null = null;
  // Failure detection, timeouts, leader priority.
  private readonly detector = new FailureDetector();
  private readonly timeouts: TimeoutController;
  /** Leader: what followers said about themselves on their latest heartbeat responses. */
  private readonly peerPriorities = new Map<NodeId, number>();
  private readonly peerQuarantined = new Set<NodeId>();
  private readonly priorityPolicy: PriorityTransferPolicy;
  /** Identity (id + incarnation): whose votes and acknowledgements count. */
  private readonly identity: IdentityGuard;
  /** Clock rates behind the lease (clock-rate.ts): measured as a follower, judged as a leader. */
  private readonly clockMeter: ClockRateMeter;
  private readonly clockJudge: ClockRateJudge;

  // Snapshot policy: payload bytes applied so far, with a mark per applied batch.
  private appliedBytes = 0;
  private appliedMarks: AppliedMark[] = [];

  // Output accumulated for the next Ready.
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private outcomes: ProposalOutcome[] = [];
  private transitions: RoleTransition[] = [];
  private snapshotRejections: SnapshotRejection[] = [];
  private divergences: Divergence[] = [];
  private prevSoft: SoftState;
  private prevHard: HardState;
  private pendingReady: ReadyMarks | null = null;

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
    this.log.onAppend = (entries) => this.onLogAppend(entries);
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
    this.roleActor.on('roleEntered', (e) => {
      this.intents.push({ kind: 'enter', role: e.role, event: e.cause as CauseEvent });
    });
    this.roleActor.on('termAdopted', (e) => {
      this.intents.push({ kind: 'adoptTerm', event: e.cause as CauseEvent });
    });
    this.roleActor.start(); // enters `follower`: reported as a 'restart' transition
    this.runIntents();
    this.prevSoft = this.softState();
  }

  // ===========================================================================
  // Inputs

  /** Advance logical time by one tick (elections, heartbeats, CheckQuorum, leases). */
  tick(): void {
    this.now++;
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  /**
   * Feed one message received from a peer. A message that is malformed or
   * addressed to another node throws InvalidMessageError and changes nothing.
   */
  step(msg: Message): void {
    validateMessage(msg, this.id);
    if ((msg.type === 'vote' || msg.type === 'preVote') && this.ignoresCandidate(msg)) return;
    if (this.conf.voters.includes(msg.from) || this.conf.learners.includes(msg.from)) {
      this.detector.heard(msg.from, this.now); // failure detection; strangers would grow it without bound
    }
    if (msg.term > this.term) {
      if ((msg.type === 'vote' || msg.type === 'preVote') && !msg.transfer && this.leaderIsLive()) {
        // Leader stickiness: we heard from a live leader within the election timeout.
        return;
      }
      if (msg.type === 'preVote' || (msg.type === 'preVoteResp' && !msg.reject)) {
        // Pre-votes never change terms; a granted pre-vote carries the term the candidate will use.
      } else if (this.role === 'leader' && msg.type === 'vote' && msg.from === this.leadTransferee) {
        this.fire({ type: 'TRANSFERRED', term: msg.term });
      } else {
        const fromLeader = msg.type === 'append' || msg.type === 'heartbeat' || msg.type === 'snapshot';
        this.fire({ type: 'HIGHER_TERM', term: msg.term, leader: fromLeader ? msg.from : null });
      }
    } else if (msg.term < this.term) {
      this.answerStaleTerm(msg);
      return;
    }

    if (msg.type === 'vote' || msg.type === 'preVote') {
      this.handleVoteRequest(msg);
      return;
    }
    if (this.role === 'leader') this.stepLeader(msg);
    else if (this.role === 'follower') this.stepFollower(msg);
    else this.stepCandidate(msg);
  }

  /**
   * Propose a normal entry. Returns a proposal id; its outcome arrives in a
   * later Ready's `outcomes`: committed, or dropped (notLeader, transferring,
   * tooLarge, termChanged, truncated).
   */
  propose(data: Uint8Array): number {
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('propose() takes a Uint8Array');
    const id = this.proposals.newId();
    if (data.byteLength > this.cfg.maxProposalBytes) {
      this.outcomes.push(ProposalTracker.dropped(id, 'tooLarge', null));
    } else if (this.role !== 'leader') {
      this.outcomes.push(ProposalTracker.dropped(id, 'notLeader', this.lead));
    } else if (this.leadTransferee !== null) {
      this.outcomes.push(ProposalTracker.dropped(id, 'transferring', this.leadTransferee));
    } else {
      const index = this.log.lastIndex() + 1;
      this.log.append([{ index, term: this.term, type: EntryType.Normal, data }]);
      this.proposals.track(id, index, this.term);
      this.maybeCommit(); // a single voter commits at once
    }
    return id;
  }

  /**
   * Request a linearizable read point; the result arrives in
   * `Ready.readStates` with the same ctx. `mode` defaults to config.readMode.
   * A 'lease' request throws ConfigError unless checkQuorum and
   * leaderStickiness are on; when the lease has lapsed it is served by the
   * ReadIndex path instead (the ReadState says which mode served it).
   * Followers forward to the leader (always by ReadIndex).
   */
  readIndex(ctx: number, mode?: ReadMode): void {
    if (typeof ctx !== 'number' || !Number.isFinite(ctx))
      throw new InvalidArgumentError('ctx must be a finite number');
    const m = mode ?? this.cfg.readMode;
    if (m !== 'readIndex' && m !== 'lease') throw new InvalidArgumentError(`unknown read mode ${String(m)}`);
    if (m === 'lease' && !this.leaseConfigured()) {
      throw new ConfigError('lease reads require checkQuorum and leaderStickiness');
    }
    if (this.quarantineState !== null) {
      // Our applied state is not trusted: a read served here could return anything.
      const hint = this.role === 'leader' ? this.leadTransferee : this.lead;
      this.readStates.push({ ctx, status: 'dropped', reason: 'quarantined', leaderHint: hint });
      return;
    }
    if (this.role === 'leader') {
      this.leaderRead({ ctx, from: null, mode: m });
      return;
    }
    if (this.role !== 'follower' || this.lead === null) {
      this.readStates.push({ ctx, status: 'dropped', reason: 'notLeader', leaderHint: this.lead });
      return;
    }
    const fid = this.nextForwardId++;
    this.forwardedReads.set(fid, { ctx, sentTick: this.now });
    this.send<ReadIndexMessage>({
      type: 'readIndex',
      from: this.id,
      to: this.lead,
      term: this.term,
      ctx: fid,
    });
  }

  /**
   * Leader only: hand leadership to voter `to` (thesis 3.10). The leader
   * brings it up to date, then sends TimeoutNow; new proposals are dropped
   * ('transferring') until it completes or an election timeout passes.
   * Throws NotLeaderError on a non-leader, InvalidArgumentError for a non-voter.
   */
  transferLeadership(to: NodeId): void {
    if (this.role !== 'leader') throw new NotLeaderError(`${this.id} is not the leader`, this.lead);
    if (to === this.id) return;
    if (!this.conf.voters.includes(to))
      throw new InvalidArgumentError(`cannot transfer leadership to non-voter ${to}`);
    if (this.leadTransferee === to) return;
    this.leadTransferee = to;
    this.transferStartTick = this.now;
    const pr = this.progress.get(to);
    if (pr && pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else if (pr) pr.forceSend = true;
  }

  /** Start an election now (Pre-Vote first when enabled). No-op on a leader or a non-voter. */
  campaign(): void {
    if (this.role === 'leader' || !this.promotable()) return;
    this.fire({ type: 'CAMPAIGN' });
  }

  /**
   * Propose a single-server membership change (Raft thesis ch. 4). Returns a
   * proposal id whose outcome arrives like any proposal's: `committed`, or
   * `dropped` with 'notLeader', 'transferring', 'confChangePending' (another
   * change is not committed yet: one at a time), 'leaderNotReady' (this
   * leader has not committed an entry of its term yet) or
   * 'learnerNotCaughtUp' (promote only). The new configuration takes effect
   * on every node as soon as the entry is appended to its log.
   * Throws InvalidArgumentError (nothing recorded) for a malformed change or
   * one that does not fit the leader's configuration (adding a member,
   * promoting a non-learner, removing a non-member or the last voter).
   */
  proposeConfChange(change: ConfChange): number {
    validateConfChange(change);
    let reason: DropReason | null = null;
    let next: ConfState | null = null;
    if (this.role !== 'leader') reason = 'notLeader';
    else if (this.leadTransferee !== null) reason = 'transferring';
    else if (this.pendingConfIndex() !== 0) reason = 'confChangePending';
    // Injected bug 'membership-no-current-term-commit' skips the safety rule below.
    else if (!this.committedInTerm && !this.bugs.has('membership-no-current-term-commit')) {
      // An older leader may have appended a change we do not know about; until an entry of
      // our term commits, a change of ours could form a majority disjoint from its (thesis 4.1 fix).
      reason = 'leaderNotReady';
    } else {
      next = applyConfChange(this.conf, change); // throws on a change that does not fit
      if (change.type === 'promote' && !this.learnerCaughtUp(change.node)) reason = 'learnerNotCaughtUp';
    }
    const id = this.proposals.newId();
    if (reason !== null || next === null) {
      const hint = reason === 'transferring' ? this.leadTransferee : this.lead;
      this.outcomes.push(ProposalTracker.dropped(id, reason ?? 'notLeader', hint));
      return id;
    }
    const index = this.log.lastIndex() + 1;
    const data = encodeConfChange({ change, conf: next });
    this.log.append([{ index, term: this.term, type: EntryType.ConfChange, data }]); // membership follows
    this.proposals.track(id, index, this.term);
    this.maybeCommit();
    return id;
  }

  /**
   * `proposeConfChange({ type: 'addLearner', node, incarnation, address })`: add a
   * non-voting member that catches up. Give the new store's incarnation so the
   * member is bound from the start (a re-added id must never count as its old self).
   */
  addLearner(node: NodeId, identity?: { readonly incarnation?: number; readonly address?: string }): number {
    return this.proposeConfChange({ type: 'addLearner', node, ...identity });
  }

  /** `proposeConfChange({ type: 'promote', node })`: make a caught-up learner a voter. */
  promote(node: NodeId): number {
    return this.proposeConfChange({ type: 'promote', node });
  }

  /** `proposeConfChange({ type: 'remove', node })`: remove a voter or learner (the leader may remove itself). */
  removeNode(node: NodeId): number {
    return this.proposeConfChange({ type: 'remove', node });
  }

  /**
   * The configuration in force at log index `index` (for a snapshot's
   * metadata: `createSnapshot(i, node.confStateAt(i), data)`). Known from the
   * host's latest snapshot up to the last index; InvalidArgumentError outside.
   */
  confStateAt(index: number): ConfState {
    if (!Number.isSafeInteger(index) || index > this.log.lastIndex()) {
      throw new InvalidArgumentError(`index ${index} is beyond the last index ${this.log.lastIndex()}`);
    }
    const conf = this.membership.confAt(index);
    if (conf === null) throw new InvalidArgumentError(`the configuration at ${index} is no longer known`);
    return conf;
  }

  /** What the snapshot policy looks at: applied index, latest stored snapshot, bytes applied since. */
  snapshotProgress(): SnapshotProgress {
    const snapshotIndex = this.cfg.storage.snapshot()?.meta.index ?? 0;
    return {
      appliedIndex: this.log.applied,
      snapshotIndex,
      bytesSinceSnapshot: this.bytesSince(snapshotIndex),
      installing: this.log.hasReceivedSnapshot(),
    };
  }

  /**
   * True when the host should take a snapshot at its applied index now
   * (`shouldSnapshot(snapshotProgress(), config)`, with `snapshotEntries` /
   * `snapshotBytes` from the config).
   */
  snapshotDue(): boolean {
    return shouldSnapshot(this.snapshotProgress(), this.cfg);
  }

  // ===========================================================================
  // Divergence detection and quarantine

  /** True when the host must report a checkpoint after applying `index` (a positive multiple of checkpointInterval). */
  checkpointDue(index: number): boolean {
    return isCheckpointIndex(index, this.cfg.checkpointInterval);
  }

  /**
   * The host's state hash right AFTER applying the entry at `index` (a
   * positive multiple of `checkpointInterval`, at most the last index handed
   * out for applying; also allowed for a restored snapshot's index). Call it
   * while applying `committedEntries` (step 3 of the Ready contract) or
   * later. Followers piggyback their latest checkpoint on their answers; the
   * leader compares, and mismatches come out in `Ready.divergences`. A node
   * that finds its own state diverged from a quorum-confirmed hash
   * quarantines itself (see `quarantine`). UsageError when checkpoints are
   * off; InvalidArgumentError (nothing recorded) for a bad index or hash.
   */
  reportCheckpoint(index: number, hash: string): void {
    if (!this.checkpoints.enabled) throw new UsageError('checkpoints are disabled (checkpointInterval is 0)');
    if (!isCheckpointIndex(index, this.cfg.checkpointInterval)) {
      throw new InvalidArgumentError(
        `checkpoint index ${String(index)} is not a positive multiple of checkpointInterval ${this.cfg.checkpointInterval}`,
      );
    }
    if (index > this.log.applying) {
      throw new InvalidArgumentError(`checkpoint index ${index} was not handed out for applying yet`);
    }
    if (typeof hash !== 'string' || hash.length === 0 || hash.length > MAX_HASH_LENGTH) {
      throw new InvalidArgumentError(
        `checkpoint hash must be a non-empty string of at most ${MAX_HASH_LENGTH} chars`,
      );
    }
    const voters = this.role === 'leader' ? this.conf.voters : null;
    this.onVerdict(this.checkpoints.recordOwn(index, hash, this.now, voters));
  }

  /**
   * Quarantine this node (host decision, e.g. a failed repair or an operator):
   * it serves no reads (`readIndex` ends `dropped('quarantined')`, reads
   * waiting here are dropped the same way), tells its leader so that its
   * acknowledgements stop extending the leader's lease, campaigns only after
   * an extra election timeout, and, if leader, hands leadership to a healthy
   * voter that is not quarantined or diverged (it keeps leading, without
   * lease or reads, while there is none). Raft itself (votes, replication,
   * commit) is unaffected: divergence is a state machine fault, not a log one.
   * Volatile: a restarted node starts unquarantined.
   */
  quarantine(reason: string): void {
    if (typeof reason !== 'string') throw new InvalidArgumentError('quarantine reason must be a string');
    this.enterQuarantine({ kind: 'host', reason, sinceTick: this.now, divergence: null });
  }

  /** End a quarantine (host's, or one this node entered after finding itself diverged). */
  releaseQuarantine(): void {
    if (this.quarantineState === null) return;
    this.quarantineState = null;
    if (this.role !== 'leader') this.randomizedElectionTimeout = this.drawElectionTimeout(); // no extra wait any more
  }

  // ===========================================================================
  // Output

  /** True when ready() has something. False while a Ready is awaiting advance(). */
  hasReady(): boolean {
    if (this.pendingReady) return false;
    this.prepareReady();
    return (
      this.msgs.length > 0 ||
      this.divergences.length > 0 ||
      this.readStates.length > 0 ||
      this.outcomes.length > 0 ||
      this.transitions.length > 0 ||
      this.snapshotRejections.length > 0 ||
      this.identity.hasPending ||
      this.clockJudge.hasPending ||
      this.log.hasEntriesToPersist() ||
      this.log.hasSnapshotToPersist() ||
      this.log.hasEntriesToApply() ||
      !sameSoftState(this.softState(), this.prevSoft) ||
      !sameHardState(this.hardState(), this.prevHard)
    );
  }

  /** Everything the host must persist, send and apply, in that order; then call advance(). */
  ready(): Ready {
    if (this.pendingReady) throw new UsageError('ready() called again before advance()');
    this.prepareReady();
    const soft = this.softState();
    const hard = this.hardState();
    const softChanged = !sameSoftState(soft, this.prevSoft);
    const hardChanged = !sameHardState(hard, this.prevHard);
    const entries = this.log.takeEntriesToPersist();
    const snapshot = this.log.takeSnapshotToPersist();
    const committedEntries = this.log.takeEntriesToApply();
    const termOrVoteChanged = hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote;
    const rd: Ready = {
      softState: softChanged ? soft : null,
      hardState: hardChanged ? hard : null,
      entries,
      snapshot,
      messages: this.msgs,
      committedEntries,
      readStates: this.readStates,
      outcomes: this.outcomes,
      transitions: this.transitions,
      snapshotRejections: this.snapshotRejections,
      mustSync: entries.length > 0 || snapshot !== null || (hardChanged && termOrVoteChanged),
      messagesMayPrecedePersist:
        this.msgs.length > 0 &&
        this.role === 'leader' &&
        !termOrVoteChanged &&
        snapshot === null &&
        (entries.length === 0 || this.log.committed < entries[0].index),
      divergences: this.divergences,
      identityConflicts: this.identity.drain(),
      clockSkews: this.clockJudge.drain(),
    };
    this.msgs = [];
    this.divergences = [];
    this.readStates = [];
    this.outcomes = [];
    this.transitions = [];
    this.snapshotRejections = [];
    this.prevSoft = soft;
    this.prevHard = hard;
    const lastEntry = entries.length > 0 ? entries[entries.length - 1] : null;
    const lastApplied =
      committedEntries.length > 0 ? committedEntries[committedEntries.length - 1].index : null;
    let appliedBytes = 0;
    for (const e of committedEntries) appliedBytes += e.data.byteLength;
    this.pendingReady = {
      lastEntry: lastEntry ? { index: lastEntry.index, term: lastEntry.term } : null,
      snapshotIndex: snapshot ? snapshot.meta.index : null,
      appliedTo: lastApplied ?? (snapshot ? snapshot.meta.index : null),
      appliedBytes,
    };
    return rd;
  }

  /** Acknowledge the last Ready: its state was persisted, messages sent, committed entries applied. */
  advance(): void {
    const marks = this.pendingReady;
    if (!marks) throw new UsageError('advance() called without an outstanding ready()');
    if (marks.snapshotIndex !== null) this.log.stableSnapTo(marks.snapshotIndex);
    if (marks.lastEntry) this.log.stableTo(marks.lastEntry.index, marks.lastEntry.term);
    if (marks.appliedTo !== null) {
      this.log.appliedTo(marks.appliedTo);
      this.noteApplied(marks.appliedTo, marks.appliedBytes, marks.snapshotIndex !== null);
    }
    // Configurations older than both the applied index and the host's snapshot are never asked for again.
    this.membership.foldTo(Math.min(this.log.applied, this.cfg.storage.snapshot()?.meta.index ?? 0));
    this.pendingReady = null;
  }

  status(): NodeStatus {
    const progress: PeerProgress[] = [];
    if (this.role === 'leader') {
      const last = this.log.lastIndex();
      progress.push({
        id: this.id,
        match: last,
        next: last + 1,
        state: 'replicate',
        inflight: 0,
        recentActive: true,
        isLearner: this.conf.learners.includes(this.id),
      });
      for (const pr of this.progress.values()) progress.push(pr.view(this.now, this.cfg.electionTicks));
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.lead,
      commitIndex: this.log.committed,
      appliedIndex: this.log.applied,
      lastIndex: this.log.lastIndex(),
      firstIndex: this.log.firstIndex(),
      leaseUntilTick: this.role === 'leader' && this.leaseConfigured() ? this.leaseUntil : null,
      tick: this.now,
      conf: copyConf(this.conf),
      progress,
      transferee: this.leadTransferee,
      pendingConfIndex: this.pendingConfIndex(),
      snapshotsInstalled: this.snapshotsInstalled,
      snapshotsRejected: this.snapshotsRejected,
      incomingSnapshot: this.receiver.status(),
      checkpoints: this.checkpoints.status(
        this.role === 'leader' ? [...this.progress.keys()] : [],
        this.log.applied,
        this.now,
      ),
      quarantine: this.quarantineState,
      liveness: this.livenessView(),
      timeouts: this.timeoutStatus(),
      priority: this.cfg.priority,
      priorities: this.knownPriorities(),
      incarnation: this.cfg.incarnation,
      identityConflicts: this.identity.current(),
      clock: {
        checked: this.clockChecked(),
        minRate: this.clockJudge.minRate / RATE_SCALE,
        maxRate: this.clockJudge.maxRate / RATE_SCALE,
        rates: this.clockJudge.view(),
      },
    };
  }

  // ===========================================================================
  // Membership and snapshot bookkeeping

  private get conf(): ConfState {
    return this.membership.conf;
  }

  /** Index of the newest membership change if it is not committed yet, else 0 (one change at a time). */
  private pendingConfIndex(): number {
    const i = this.membership.lastChangeIndex;
    return i > this.log.committed ? i : 0;
  }

  private onLogAppend(entries: readonly Entry[]): void {
    if (this.membership.onAppend(entries)) this.onConfChanged();
  }

  /** The configuration in force changed (an appended or truncated ConfChange entry, or a snapshot). */
  private onConfChanged(): void {
    // A lease confirmed by a quorum of the old voters says nothing about a quorum of the new ones.
    this.leaseUntil = null;
    this.identity.onConfChanged(this.conf);
    if (this.role === 'leader') this.syncProgress();
    const members = new Set([...this.conf.voters, ...this.conf.learners]);
    this.detector.retain(members);
    for (const id of [...this.peerPriorities.keys()]) if (!members.has(id)) this.peerPriorities.delete(id);
    this.clockJudge.forget((id) => members.has(id));
  }

  /** Leader: track exactly the members of the configuration in force (new ones start probing). */
  private syncProgress(): void {
    const want = new Map<NodeId, boolean>();
    for (const v of this.conf.voters) if (v !== this.id) want.set(v, false);
    for (const l of this.conf.learners) if (l !== this.id) want.set(l, true);
    for (const id of [...this.progress.keys()]) if (!want.has(id)) this.progress.delete(id);
    const last = this.log.lastIndex();
    for (const [id, isLearner] of want) {
      const pr = this.progress.get(id);
      if (pr) pr.isLearner = isLearner;
      else this.progress.set(id, new Progress(id, last, this.cfg.maxInflightMsgs, isLearner, this.now));
    }
  }

  /** A learner may be promoted once it replicates normally, answers, and is close enough to the commit index. */
  private learnerCaughtUp(node: NodeId): boolean {
    const pr = this.progress.get(node);
    return (
      pr !== undefined &&
      pr.state === 'replicate' &&
      this.now - pr.lastContactTick < this.cfg.electionTicks &&
      pr.match + this.cfg.promoteMaxLag >= this.log.committed
    );
  }

  /** The leader's own removal committed: hand over to a caught-up voter if there is one, then step down. */
  private stepDownRemoved(): void {
    const last = this.log.lastIndex();
    const successor = this.conf.voters.find((v) => this.progress.get(v)?.match === last);
    if (successor !== undefined) this.sendTimeoutNow(successor);
    this.fire({ type: 'REMOVED' });
  }

  private noteApplied(index: number, bytes: number, fromSnapshot: boolean): void {
    if (fromSnapshot) {
      // Everything up to the installed snapshot is in it: count from there.
      this.appliedMarks = [{ index, bytes: this.appliedBytes }];
    }
    this.appliedBytes += bytes;
    this.appliedMarks.push({ index, bytes: this.appliedBytes });
    if (this.appliedMarks.length > MAX_APPLIED_MARKS) {
      this.appliedMarks = this.appliedMarks.slice(MAX_APPLIED_MARKS / 2);
    }
  }

  /** Payload bytes applied after `snapshotIndex` (counted from this node's start if it is older). */
  private bytesSince(snapshotIndex: number): number {
    const marks = this.appliedMarks;
    let k = 0;
    while (k + 1 < marks.length && marks[k + 1].index <= snapshotIndex) k++;
    if (k > 0) this.appliedMarks = marks.slice(k);
    return this.appliedBytes - this.appliedMarks[0].bytes;
  }

  // ===========================================================================
  // Divergence, quarantine, failure detection, timeouts, priority

  private onPeerCheckpoint(from: NodeId, cp: Checkpoint): void {
    if (!this.checkpoints.enabled) return;
    this.onVerdict(this.checkpoints.recordPeer(from, cp, this.now, this.conf.voters));
  }

  /** Report what a checkpoint comparison found; quarantine ourselves if our own state diverged. */
  private onVerdict(v: CheckpointVerdict): void {
    if (v.divergences.length > 0) this.divergences.push(...v.divergences);
    const d = v.selfDiverged;
    if (d !== null) {
      this.enterQuarantine({
        kind: 'diverged',
        reason: `state hash ${d.actual} at index ${d.index} differs from the quorum's ${d.expected}`,
        sinceTick: this.now,
        divergence: d,
      });
      return;
    }
    // A later checkpoint matching a quorum-confirmed hash shows the state is whole again (repaired).
    const q = this.quarantineState;
    if (v.selfVerified !== null && q?.kind === 'diverged' && v.selfVerified > (q.divergence?.index ?? 0)) {
      this.quarantineState = null;
    }
  }

  private enterQuarantine(q: QuarantineStatus): void {
    const was = this.quarantineState;
    if (was?.kind === 'host' && q.kind === 'diverged') return; // the host's quarantine stands until it ends it
    this.quarantineState = q;
    if (was !== null) return;
    this.leaseUntil = null;
    // Reads waiting here would be served from a state we no longer trust.
    for (const r of this.reads.dropPending()) this.dropRead(r, 'quarantined', null);
    this.dropForwardedReads('quarantined');
    if (this.role === 'leader') this.handOverIfQuarantined();
    else this.randomizedElectionTimeout = this.drawElectionTimeout(); // now with the quarantine's extra wait
  }

  /** A quarantined leader hands over to the best eligible voter, whatever its priority. */
  private handOverIfQuarantined(): void {
    if (this.leadTransferee !== null) return;
    const best = bestTransferCandidate(this.transferCandidates(), null);
    if (best !== null) this.transferLeadership(best.id);
  }

  /** Leader priority: hand over to an eligible voter of strictly higher priority once it stayed best long enough. */
  private maybePriorityTransfer(): void {
    if (!this.committedInTerm || this.leadTransferee !== null || !this.conf.voters.includes(this.id)) return;
    let higher = false;
    for (const p of this.peerPriorities.values()) if (p > this.cfg.priority) higher = true;
    const best = higher ? bestTransferCandidate(this.transferCandidates(), this.cfg.priority) : null;
    const to = this.priorityPolicy.step(best?.id ?? null, this.now);
    if (to !== null) this.transferLeadership(to);
  }

  private transferCandidates(): TransferCandidate[] {
    const out: TransferCandidate[] = [];
    for (const [id, pr] of this.progress) {
      const eligible =
        this.conf.voters.includes(id) &&
        !pr.isLearner &&
        pr.state === 'replicate' &&
        pr.match >= this.log.committed &&
        this.peerHealth(id) === 'healthy' &&
        !this.peerQuarantined.has(id) &&
        this.checkpoints.peerState(id, this.log.applied, this.now) !== 'diverged';
      out.push({ id, priority: this.peerPriorities.get(id) ?? 0, eligible, match: pr.match });
    }
    return out;
  }

  /** Adaptive timeouts, leader side: follow the voters' heartbeat round trips. */
  private adaptLeaderTimeouts(): void {
    if (!this.timeouts.adaptive) return;
    const k = this.cfg.adaptiveDeviationFactor;
    const bounds: (number | null)[] = [];
    for (const v of this.conf.voters) {
      if (v !== this.id) bounds.push(trustedGapBound(this.detector.roundTripStats(v), k));
    }
    this.timeouts.onRoundTrips(this.conf.voters.includes(this.id), bounds);
  }

  /**
   * Health of a peer we expect to hear from regularly: `healthy` within the
   * expected gap (leader: heartbeat interval + round-trip bound; follower:
   * inter-arrival bound; at least two heartbeat intervals), `suspect` after,
   * `down` after the election timeout in force (or never heard).
   */
  private peerHealth(id: NodeId): Health {
    const k = this.cfg.adaptiveDeviationFactor;
    let suspectAfter: number;
    let downAfter: number;
    if (this.role === 'leader') {
      const hb = this.timeouts.heartbeatTicks();
      const b = gapBound(this.detector.roundTripStats(id), k) ?? 0;
      suspectAfter = Math.max(2 * hb, hb + Math.ceil(b));
      downAfter = this.timeouts.leaderElectionTicks();
    } else {
      const g = gapBound(this.detector.interArrivalStats(), k);
      suspectAfter = Math.max(2 * this.cfg.heartbeatTicks, g === null ? 0 : Math.ceil(g));
      downAfter = this.timeouts.followerElectionTicks();
    }
    return classifyContact(this.detector.lastContact(id), this.now, suspectAfter, downAfter);
  }

  private livenessView(): PeerLiveness[] {
    if (this.role === 'leader') {
      return [...this.progress.keys()].map((id) => ({
        id,
        lastContactTick: this.detector.lastContact(id),
        health: this.peerHealth(id),
        samples: 'roundTrip' as const,
        rtt: this.detector.roundTripStats(id),
      }));
    }
    if (this.lead === null || this.lead === this.id) return [];
    return [
      {
        id: this.lead,
        lastContactTick: this.detector.lastContact(this.lead),
        health: this.peerHealth(this.lead),
        samples: 'interArrival',
        rtt: this.detector.interArrivalStats(),
      },
    ];
  }

  private timeoutStatus(): TimeoutStatus {
    return {
      mode: this.cfg.timeouts,
      electionTicks:
        this.role === 'leader' ? this.timeouts.leaderElectionTicks() : this.timeouts.followerElectionTicks(),
      heartbeatTicks: this.timeouts.heartbeatTicks(),
      randomizedElectionTicks: this.randomizedElectionTimeout,
      leaseTicks: this.timeouts.leaseTicks(),
    };
  }

  private knownPriorities(): Record<NodeId, number> {
    const out: Record<NodeId, number> = {};
    for (const [id, p] of this.peerPriorities) out[id] = p;
    out[this.id] = this.cfg.priority;
    return out;
  }

  // ===========================================================================
  // Roles: every change goes through the role actor.

  private fire(event: RoleEvent): void {
    this.roleActor.send(event);
    this.runIntents();
  }

  private runIntents(): void {
    while (this.intents.length > 0) {
      const intent = this.intents.shift() as RoleIntent;
      if (intent.kind === 'adoptTerm') {
        if (intent.event.type === 'HIGHER_TERM') this.becomeFollower(intent.event.term, intent.event.leader);
      } else {
        this.enterRole(intent.role, intent.event);
      }
    }
  }

  private enterRole(role: Role, event: CauseEvent): void {
    const from = this.role;
    switch (role) {
      case 'follower': {
        const term = 'term' in event ? event.term : this.term;
        const leader = 'leader' in event ? event.leader : null;
        this.becomeFollower(term, leader);
        break;
      }
      case 'preCandidate':
        this.becomePreCandidate();
        break;
      case 'candidate':
        this.becomeCandidate(event.type === 'TIMEOUT_NOW');
        break;
      case 'leader':
        this.becomeLeader();
        break;
    }
    const reason = TRANSITION_REASONS[event.type];
    this.transitions.push({ node: this.id, from, to: role, term: this.term, reason });
    if (role === 'preCandidate') this.requestVotes('preVote');
    else if (role === 'candidate') this.requestVotes('vote');
  }

  private becomeFollower(term: number, leader: NodeId | null): void {
    if (this.role === 'leader') this.abdicate(leader);
    this.reset(term);
    this.lead = leader;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    // Pre-Vote keeps term and vote: only a won pre-vote bumps the term.
    this.votes.clear();
    this.lead = null;
    this.role = 'preCandidate';
    this.campaignIsTransfer = false;
    this.electionElapsed = 0;
    this.randomizedElectionTimeout = this.drawElectionTimeout();
  }

  private becomeCandidate(transfer: boolean): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.campaignIsTransfer = transfer;
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    const last = this.log.lastIndex();
    this.progress = new Map();
    this.syncProgress();
    this.reads.reset();
    this.detector.startRounds();
    this.checkpoints.resetPeers();
    this.peerQuarantined.clear();
    this.priorityPolicy.reset(this.now);
    this.adaptLeaderTimeouts();
    // §5.4.2 / §8: commit an entry of our own term before counting anything else as committed.
    this.log.append([{ index: last + 1, term: this.term, type: EntryType.NoOp, data: EMPTY }]);
    this.maybeCommit();
  }

  /** Leaving leadership: nothing a client is waiting for may be lost silently. */
  private abdicate(newLeader: NodeId | null): void {
    this.proposals.orphanAll(this.now + this.cfg.electionTicks);
    for (const r of this.reads.drain()) this.dropRead(r, 'termChanged', newLeader);
    this.progress = new Map();
    this.checkpoints.resetPeers();
    this.peerQuarantined.clear();
    this.leadTransferee = null;
    this.leaseUntil = null;
  }

  /** Common to every role change (etcd's reset). Terms never go backwards. */
  private reset(term: number): void {
    if (term < this.term) throw new RaftError('SAFETY', `term would go back from ${this.term} to ${term}`);
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
      // Answers to forwarded reads would carry the old term and be ignored: end them now.
      this.dropForwardedReads('termChanged');
      // A snapshot transfer belongs to one leader's term: discard what arrived of it.
      this.receiver.abort();
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.drawElectionTimeout();
    this.votes.clear();
    this.campaignIsTransfer = false;
    this.leadTransferee = null;
    this.committedInTerm = false;
    this.leaseUntil = null;
    this.identity.newTerm();
  }

  private requestVotes(kind: 'preVote' | 'vote'): void {
    const term = kind === 'preVote' ? this.term + 1 : this.term;
    if (this.conf.voters.includes(this.id)) this.votes.set(this.id, true);
    if (voteResult(this.conf.voters, this.votes) === 'won') {
      this.fire({ type: kind === 'preVote' ? 'PRE_VOTE_WON' : 'VOTE_WON' });
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const v of this.conf.voters) {
      if (v === this.id) continue;
      this.send<VoteMessage>({
        type: kind,
        from: this.id,
        to: v,
        term,
        lastIndex,
        lastTerm,
        transfer: this.campaignIsTransfer,
      });
    }
  }

  private promotable(): boolean {
    return this.conf.voters.includes(this.id);
  }

  /** [T, 2T) with T the base election timeout in force; a quarantined node waits one T more. */
  private drawElectionTimeout(): number {
    const base = this.timeouts.followerElectionTicks();
    // A quarantined node should not lead (it would hand over at once): let healthy nodes campaign first.
    const extra = this.quarantineState !== null ? base : 0;
    return base + extra + this.rng.nextInt(base);
  }

  // ===========================================================================
  // Time

  private tickElection(): void {
    this.electionElapsed++;
    this.expireForwardedReads();
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.fire({ type: 'ELECTION_TIMEOUT' });
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    if (this.cfg.checkQuorum && !this.bugs.has('lease-without-checkquorum') && !this.quorumRecentlyActive()) {
      this.fire({ type: 'LOST_QUORUM' });
      return;
    }
    if (this.leadTransferee !== null && this.now - this.transferStartTick >= this.cfg.electionTicks) {
      this.leadTransferee = null; // the target did not take over in time: abort, accept proposals again
    }
    for (const pr of this.progress.values()) {
      if (pr.state === 'snapshot' && this.now - pr.snapshotSentTick >= this.cfg.electionTicks) {
        pr.pendingSnapshot = 0; // no answer: assume it was lost and probe again
        pr.becomeProbe();
      }
    }
    this.adaptLeaderTimeouts();
    if (this.quarantineState !== null) this.handOverIfQuarantined();
    else this.maybePriorityTransfer();
    if (this.role !== 'leader') return; // a transfer target that was caught up took over at once
    this.maybeBindIncarnation();
    if (this.heartbeatElapsed >= this.timeouts.heartbeatTicks()) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  /**
   * Record the incarnation of an unbound member (own, or first heard this
   * term) in the log, one `bind` change at a time, as soon as a change may be
   * proposed: from then on every node counts only that incarnation for it.
   */
  private maybeBindIncarnation(): void {
    if (!this.committedInTerm || this.leadTransferee !== null || this.pendingConfIndex() !== 0) return;
    const b = this.identity.nextBinding(this.conf, this.cfg.incarnation);
    if (b === null) return;
    const change: ConfChange = { type: 'bind', node: b.node, incarnation: b.incarnation };
    const index = this.log.lastIndex() + 1;
    const data = encodeConfChange({ change, conf: applyConfChange(this.conf, change) });
    this.log.append([{ index, term: this.term, type: EntryType.ConfChange, data }]);
    this.maybeCommit();
  }

  /** CheckQuorum: a quorum of voters (counting us) answered within the last election timeout (adaptive: ours). */
  private quorumRecentlyActive(): boolean {
    const window = this.timeouts.leaderElectionTicks();
    return quorumActive(this.conf.voters, (v) => {
      if (v === this.id) return true;
      const pr = this.progress.get(v);
      return pr !== undefined && this.now - pr.lastContactTick < window;
    });
  }

  /**
   * Leader stickiness: refuse (pre-)votes while a leader is known to be alive,
   * i.e. heard within our base election timeout (adaptive: >= minElectionTicks,
   * which the lease relies on).
   */
  private leaderIsLive(): boolean {
    if (!this.cfg.leaderStickiness || this.bugs.has('no-prevote-stickiness')) return false;
    if (this.role === 'leader' || this.now < this.restartStickyUntil) return true;
    return this.lead !== null && this.electionElapsed < this.timeouts.followerElectionTicks();
  }

  // ===========================================================================
  // Message handling

  /**
   * A message from an older term. Mostly ignored, but a stale leader must
   * learn it is stale: with CheckQuorum or Pre-Vote a node that saw a higher
   * term may never campaign successfully again to tell it, so answer its
   * appends/heartbeats with our term (etcd's rule). Pre-votes get a rejection.
   */
  private answerStaleTerm(msg: Message): void {
    if ((this.cfg.checkQuorum || this.cfg.preVote) && (msg.type === 'append' || msg.type === 'heartbeat')) {
      this.sendAppendResp(msg.from, { reject: false, index: 0, hintIndex: 0, hintTerm: 0 });
    } else if (msg.type === 'preVote') {
      this.send<VoteResponseMessage>({
        type: 'preVoteResp',
        from: this.id,
        to: msg.from,
        term: this.term,
        reject: true,
      });
    } else if (msg.type === 'readIndex') {
      this.rejectRead(msg);
    }
  }

  /**
   * A (pre-)vote request from a node that is not a voter of our configuration,
   * or speaks under another incarnation than the one it binds, is ignored
   * entirely (no vote, no term bump): a removed node that keeps campaigning,
   * or a wiped one under its old id, cannot disrupt us. Unless its log is
   * strictly ahead of ours: then our configuration may be the stale one (it
   * may hold the entry that made the candidate a voter), and ignoring it could
   * block every election; the usual checks apply (stickiness, log, one vote
   * per term). Granting is always safe: what makes a vote count is the
   * candidate's configuration, checked when it counts (`handleVoteResp`).
   */
  private ignoresCandidate(m: VoteMessage): boolean {
    const stranger =
      !this.conf.voters.includes(m.from) ||
      !this.identity.counts(this.conf, m.from, m.inc ?? 0, m.term, false);
    if (!stranger) return false;
    const lastTerm = this.log.lastTerm();
    return !(m.lastTerm > lastTerm || (m.lastTerm === lastTerm && m.lastIndex > this.log.lastIndex()));
  }

  private handleVoteRequest(m: VoteMessage): void {
    const isPre = m.type === 'preVote';
    const respType = isPre ? 'preVoteResp' : 'voteResp';
    const canVote =
      this.vote === m.from || (this.vote === null && this.lead === null) || (isPre && m.term > this.term);
    const logOk =
      (isPre && this.bugs.has('no-prevote-stickiness')) || this.log.isUpToDate(m.lastIndex, m.lastTerm);
    if (canVote && logOk) {
      // A granted pre-vote answers with the candidate's future term, so it is not mistaken for a stale reply.
      this.send<VoteResponseMessage>({
        type: respType,
        from: this.id,
        to: m.from,
        term: m.term,
        reject: false,
      });
      if (!isPre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send<VoteResponseMessage>({
        type: respType,
        from: this.id,
        to: m.from,
        term: this.term,
        reject: true,
      });
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.noteLeaderHeartbeat(m);
        this.handleHeartbeat(m);
        return;
      case 'snapshot':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'timeoutNow':
        if (this.promotable()) this.fire({ type: 'TIMEOUT_NOW' });
        return;
      case 'readIndex':
        this.rejectRead(m);
        return;
      case 'readIndexResp':
        this.handleReadIndexResp(m);
        return;
      default:
        return; // stale responses to a role we no longer have
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        // The election of this term was won by someone else.
        this.fire({ type: 'LEADER_DISCOVERED', term: m.term, leader: m.from });
        this.stepFollower(m);
        return;
      case 'preVoteResp':
        if (this.role === 'preCandidate') this.handleVoteResp(m);
        return;
      case 'voteResp':
        if (this.role === 'candidate') this.handleVoteResp(m);
        return;
      case 'readIndex':
        this.rejectRead(m);
        return;
      case 'readIndexResp':
        this.handleReadIndexResp(m);
        return;
      default:
        return;
    }
  }

  private handleVoteResp(m: VoteResponseMessage): void {
    if (!this.conf.voters.includes(m.from) || this.votes.has(m.from)) return;
    // A vote is a promise kept in the voter's store: count only the incarnation our configuration names.
    if (!this.identity.counts(this.conf, m.from, m.inc ?? 0, this.term, false)) return;
    this.votes.set(m.from, !m.reject);
    const result = voteResult(this.conf.voters, this.votes);
    const pre = this.role === 'preCandidate';
    if (result === 'won') this.fire({ type: pre ? 'PRE_VOTE_WON' : 'VOTE_WON' });
    else if (result === 'lost') this.fire({ type: pre ? 'PRE_VOTE_LOST' : 'VOTE_LOST' });
  }

  private stepLeader(m: Message): void {
    if (
      (m.type === 'appendResp' || m.type === 'heartbeatResp' || m.type === 'snapshotResp') &&
      !this.identity.counts(this.conf, m.from, m.inc ?? 0, this.term, true)
    ) {
      // An acknowledgement from another incarnation than the one we count for this member
      // (a wiped store under its old id): it proves nothing about what that member promised.
      return;
    }
    switch (m.type) {
      case 'appendResp':
        this.handleAppendResp(m);
        return;
      case 'heartbeatResp':
        this.handleHeartbeatResp(m);
        return;
      case 'snapshotResp':
        this.handleSnapshotResp(m);
        return;
      case 'readIndex':
        this.leaderRead({ ctx: m.ctx, from: m.from, mode: 'readIndex' });
        return;
      default:
        // Stale (pre-)vote responses, or an append from another leader of our
        // term (impossible unless safety is already broken): ignore.
        return;
    }
  }

  // ---- follower side of replication -----------------------------------------

  private handleAppend(m: AppendMessage): void {
    if (m.prevIndex < this.log.committed) {
      // Already committed here, so it matches the leader: say how far we are.
      this.sendAppendResp(m.from, { reject: false, index: this.log.committed, hintIndex: 0, hintTerm: 0 });
      return;
    }
    const lastNew = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
    if (lastNew !== null) {
      this.sendAppendResp(m.from, { reject: false, index: lastNew, hintIndex: 0, hintTerm: 0 });
      return;
    }
    // Fast backtracking: point the leader at the last entry that can possibly match.
    const probe = Math.min(m.prevIndex, this.log.lastIndex());
    const [hintIndex, hintTerm] = this.log.findConflictByTerm(probe, m.prevTerm);
    this.sendAppendResp(m.from, { reject: true, index: m.prevIndex, hintIndex, hintTerm });
  }

  private handleHeartbeat(m: HeartbeatMessage): void {
    // The leader never sends more than it knows we match; clamp anyway (a lost unsynced tail).
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    if (m.tick !== undefined) this.clockMeter.onHeartbeat(m.from, m.tick, this.now);
    const clockRate = this.clockMeter.rate(m.from);
    if (m.checkpoint && this.checkpoints.enabled) {
      this.onVerdict(this.checkpoints.recordLeaderConfirmed(m.checkpoint, this.now));
    }
    this.send<HeartbeatResponseMessage>({
      type: 'heartbeatResp',
      from: this.id,
      to: m.from,
      term: this.term,
      seq: m.seq,
      checkpoint: this.checkpoints.latest(),
      ...(this.quarantineState !== null ? { quarantined: true } : {}),
      ...(this.cfg.priority !== 0 ? { priority: this.cfg.priority } : {}),
      ...(clockRate !== undefined ? { clockRate } : {}),
    });
  }

  /** Failure detection / adaptive timeouts: a heartbeat of our leader arrived. */
  private noteLeaderHeartbeat(m: HeartbeatMessage): void {
    if (this.detector.leaderHeartbeat(m.from, m.term, this.now) === null) return;
    if (this.timeouts.onInterArrival(this.detector.interArrivalStats())) {
      // T changed: the running timeout (just restarted by this heartbeat) follows it.
      this.randomizedElectionTimeout = this.drawElectionTimeout();
    }
  }

  /**
   * One chunk of a snapshot (see snapshot-receiver.ts). The answer names the
   * offset we want next, says the snapshot is installed (`done`), or refuses
   * it (`reject`: bad checksum, too large, invalid metadata; reported in
   * Ready.snapshotRejections, nothing changed).
   */
  private handleSnapshot(m: SnapshotMessage): void {
    const reply = (r: { nextOffset: number; reject: boolean; done: boolean }) =>
      this.send<SnapshotResponseMessage>({
        type: 'snapshotResp',
        from: this.id,
        to: m.from,
        term: this.term,
        snapshotIndex: m.meta.index,
        ...r,
      });
    const { index, term } = m.meta;
    if (index <= this.log.committed || this.log.matchTerm(index, term)) {
      // Our log already holds it (a committed prefix, or the same entry: the logs match up to
      // it): nothing to install, at most fast-forward the commit.
      this.receiver.abort();
      if (index > this.log.committed) this.log.commitTo(index);
      reply({ nextOffset: m.totalBytes, reject: false, done: true });
      return;
    }
    const r = this.receiver.accept(m);
    switch (r.kind) {
      case 'progress':
        reply({ nextOffset: r.nextOffset, reject: false, done: false });
        return;
      case 'rejected':
        this.recordRejection(m, r);
        reply({ nextOffset: 0, reject: true, done: false });
        return;
      case 'complete':
        // Verified: only now does anything change. The host persists it, then restores its state machine.
        this.log.restore(r.snapshot);
        this.membership.reset(r.snapshot.meta.conf, index);
        this.onConfChanged();
        this.snapshotsInstalled++;
        reply({ nextOffset: m.totalBytes, reject: false, done: true });
        return;
    }
  }

  private recordRejection(m: SnapshotMessage, r: Extract<ReceiveResult, { kind: 'rejected' }>): void {
    this.snapshotsRejected++;
    this.snapshotRejections.push({
      node: this.id,
      from: m.from,
      term: m.term,
      index: m.meta.index,
      snapshotTerm: m.meta.term,
      reason: r.reason,
      totalBytes: m.totalBytes,
      expectedChecksum: m.checksum,
      actualChecksum: r.actualChecksum,
    });
  }

  private sendAppendResp(
    to: NodeId,
    r: { reject: boolean; index: number; hintIndex: number; hintTerm: number },
  ): void {
    this.send<AppendResponseMessage>({
      type: 'appendResp',
      from: this.id,
      to,
      term: this.term,
      checkpoint: this.checkpoints.latest(),
      ...r,
    });
  }

  // ---- leader side of replication -------------------------------------------

  private handleAppendResp(m: AppendResponseMessage): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.lastContactTick = this.now;
    if (m.checkpoint) this.onPeerCheckpoint(m.from, m.checkpoint);
    if (m.reject) {
      let next = m.hintIndex;
      if (m.hintTerm > 0) next = this.log.findConflictByTerm(m.hintIndex, m.hintTerm)[0];
      if (pr.maybeDecrTo(m.index, next)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        pr.forceSend = true;
      }
      return;
    }
    if (m.index > this.log.lastIndex()) return; // cannot match entries we do not have
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeReplicate();
    else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);
    this.maybeCommit();
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResp(m: HeartbeatResponseMessage): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.lastContactTick = this.now;
    pr.probeSent = false;
    this.detector.roundAcked(m.from, m.seq, this.now);
    this.peerPriorities.set(m.from, m.priority ?? 0);
    if (m.quarantined === true) this.peerQuarantined.add(m.from);
    else this.peerQuarantined.delete(m.from);
    if (m.clockRate !== undefined) this.clockJudge.onReport(m.from, m.clockRate, this.now, this.term);
    if (m.checkpoint) this.onPeerCheckpoint(m.from, m.checkpoint);
    // The follower answered a heartbeat sent after our last append to it without
    // acknowledging that append: it was probably lost. Resend (even if empty,
    // which makes the follower tell us where it stands).
    if (pr.match < this.log.lastIndex() && (pr.state === 'probe' || m.seq > pr.lastAppendRound)) {
      if (pr.inflights.full()) pr.inflights.freeFirstOne();
      pr.forceSend = true;
    }
    const t = pr.transfer;
    if (pr.state === 'snapshot' && t !== null && t.inFlight && m.seq > t.sentRound) {
      // A heartbeat sent after our last chunk was answered, the chunk was not: it (or its
      // answer) was lost. Send it again; the follower says where it stands.
      t.inFlight = false;
      this.send(t.nextChunk(this.id, m.from, this.term, this.reads.lastRound));
    }
    if (m.seq > pr.ackedRound) {
      pr.ackedRound = m.seq;
      if (!pr.isLearner) this.confirmReads();
    }
  }

  private handleSnapshotResp(m: SnapshotResponseMessage): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.lastContactTick = this.now;
    const t = pr.transfer;
    if (pr.state !== 'snapshot' || t === null || m.snapshotIndex !== t.index) return; // stale answer
    pr.snapshotSentTick = this.now; // the transfer is alive: its silence timeout restarts
    if (m.reject) {
      // Refused (the follower reported why). Probe again, and start a new transfer only
      // after an election timeout: a snapshot that is bad at the source is not resent in a loop.
      pr.pendingSnapshot = 0;
      pr.becomeProbe();
      pr.probeSent = true;
      pr.snapshotRetryTick = this.now + this.cfg.electionTicks;
      return;
    }
    if (m.done) {
      // Installed: normal replication resumes right after the snapshot's index.
      pr.maybeUpdate(Math.min(m.snapshotIndex, this.log.lastIndex()));
      pr.becomeProbe();
      pr.forceSend = true;
      this.maybeCommit();
      return;
    }
    if (t.onProgress(m.nextOffset)) this.send(t.nextChunk(this.id, m.from, this.term, this.reads.lastRound));
  }

  /** Commit by counting replicas, but only entries of the current term (§5.4.2, Figure 8). */
  private maybeCommit(): boolean {
    const last = this.log.lastIndex();
    const mci = quorumValue(this.conf.voters, (v) =>
      v === this.id ? last : (this.progress.get(v)?.match ?? 0),
    );
    if (mci <= this.log.committed) return false;
    // Injected bug 'commit-old-term' skips the term check: the Figure 8 bug.
    if (!this.bugs.has('commit-old-term') && this.log.term(mci) !== this.term) return false;
    this.log.commitTo(mci);
    this.proposals.commitUpTo(mci, this.outcomes);
    if (!this.committedInTerm && this.log.term(mci) === this.term) {
      this.committedInTerm = true;
      for (const r of this.reads.takeDeferred()) this.leaderRead(r);
    }
    // A leader that removed itself kept leading (without counting itself) until the change committed.
    if (!this.conf.voters.includes(this.id) && mci >= this.membership.lastChangeIndex) this.stepDownRemoved();
    return true;
  }

  /**
   * Build the append messages the followers need, now that this Ready's
   * entries and acknowledgements are known: many proposals share a message,
   * probes go one per round trip, replication pipelines up to the window.
   */
  private flushAppends(): void {
    for (const [to, pr] of this.progress) this.sendAppends(to, pr);
  }

  private sendAppends(to: NodeId, pr: Progress): void {
    let force = pr.forceSend;
    pr.forceSend = false;
    for (;;) {
      if (pr.state === 'snapshot' || pr.isPaused()) return;
      const prevIndex = pr.next - 1;
      const last = this.log.lastIndex();
      let prevTerm: number;
      let entries: Entry[];
      try {
        prevTerm = this.log.term(prevIndex);
        entries =
          pr.next <= last
            ? this.log.slice(pr.next, last + 1, this.cfg.maxBytesPerMsg, this.cfg.maxEntriesPerMsg)
            : [];
      } catch (e) {
        if (e instanceof CompactedError) {
          this.sendSnapshot(to, pr);
          return;
        }
        throw e;
      }
      if (entries.length === 0 && !force && !pr.canBumpCommit(this.log.committed)) return;
      force = false;
      const commit = this.log.committed;
      this.send<AppendMessage>({
        type: 'append',
        from: this.id,
        to,
        term: this.term,
        prevIndex,
        prevTerm,
        entries,
        commit,
      });
      pr.sentCommit = commit;
      pr.lastAppendRound = this.reads.lastRound;
      pr.sentEntries(entries.length, prevIndex + entries.length);
      if (entries.length === 0) return;
    }
  }

  /**
   * The follower needs entries we compacted: start sending the latest
   * snapshot in chunks (`snapshotChunkBytes`), one in flight at a time; the
   * follower's answers drive the rest (handleSnapshotResp).
   */
  private sendSnapshot(to: NodeId, pr: Progress): void {
    if (this.now - pr.lastContactTick >= this.cfg.electionTicks) return; // not worth it for a silent peer
    if (this.now < pr.snapshotRetryTick) return; // it refused the last one: back off
    const snap = this.log.snapshot();
    if (!snap) return; // storage compacted without a snapshot: nothing we can send (host bug)
    const transfer = new OutgoingSnapshot(snap, this.cfg.snapshotChunkBytes);
    pr.becomeSnapshot(transfer, this.now);
    this.send(transfer.nextChunk(this.id, to, this.term, this.reads.lastRound));
  }

  private broadcastHeartbeat(): void {
    const round = this.reads.startRound(this.now);
    this.detector.roundSent(round, this.now);
    // A quorum-confirmed checkpoint (never merely ours): followers check themselves against it.
    const cp = this.checkpoints.latestConfirmed();
    // Our tick, so followers can measure our clock's rate (only where a lease depends on it).
    const leaseTick = this.clockChecked() ? this.now : undefined;
    for (const [to, pr] of this.progress) {
      this.send<HeartbeatMessage>({
        type: 'heartbeat',
        from: this.id,
        to,
        term: this.term,
        // Never more than the follower is known to match: it must not commit a divergent entry.
        commit: Math.min(pr.match, this.log.committed),
        seq: round,
        ...(cp !== null ? { checkpoint: cp } : {}),
        ...(leaseTick !== undefined ? { tick: leaseTick } : {}),
      });
    }
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: 'timeoutNow', from: this.id, to, term: this.term });
  }

  // ---- reads -------------------------------------------------------------------

  private leaseConfigured(): boolean {
    return leaseReadsAllowed(this.cfg) || this.bugs.has('lease-without-checkquorum');
  }

  private leaseValid(): boolean {
    if (this.role !== 'leader' || this.leaseUntil === null || this.leadTransferee !== null) return false;
    if (this.quarantineState !== null) return false;
    // Injected bug 'lease-without-checkquorum': the lease never lapses.
    if (this.bugs.has('lease-without-checkquorum')) return true;
    return leaseReadsAllowed(this.cfg) && this.now < this.leaseUntil;
  }

  private leaderRead(req: ReadRequest): void {
    if (this.quarantineState !== null) {
      this.dropRead(req, 'quarantined', this.leadTransferee);
      return;
    }
    if (!this.committedInTerm) {
      // Until an entry of our term commits, our commit index may be behind the real one.
      this.reads.defer(req);
      return;
    }
    const index = this.log.committed;
    if (this.conf.voters.length === 1 && this.conf.voters[0] === this.id) {
      this.answerRead(req, index, 'readIndex');
    } else if (req.from === null && req.mode === 'lease' && this.leaseValid()) {
      this.answerRead(req, index, 'lease');
    } else {
      this.reads.enqueue(req, index);
    }
  }

  /**
   * A heartbeat round was acknowledged by more voters: release reads it
   * confirms, extend the lease. ReadIndex counts every voter's
   * acknowledgement (it proves only that no newer leader existed). The lease
   * counts only peers it may trust: a peer that says it is quarantined or
   * whose checkpoint diverged acknowledges as if it had not (round 0), so
   * the lease needs a majority of ALL voters among the rest; a quarantined
   * leader holds no lease at all.
   */
  private confirmReads(): void {
    const voters = this.conf.voters;
    const acked = (v: NodeId): number =>
      v === this.id ? this.reads.lastRound : (this.progress.get(v)?.ackedRound ?? 0);
    const q = quorumValue(voters, acked);
    if (q === 0) return;
    const leaseRound =
      this.quarantineState !== null
        ? 0
        : quorumValue(voters, (v) => (v === this.id || this.leaseTrusts(v) ? acked(v) : 0));
    const leaseSentAt = leaseRound > 0 ? this.reads.sentAt(leaseRound) : undefined;
    const { released } = this.reads.confirm(q, leaseRound > 0 ? leaseRound : q);
    if (leaseSentAt !== undefined) {
      // Followers that acknowledged the round refuse votes for at least the lease basis
      // (fixed: electionTicks; adaptive: minElectionTicks) after they received it (>= when
      // we sent it); minus the clock-drift bound.
      const until = leaseSentAt + this.timeouts.leaseTicks();
      if (this.leaseUntil === null || until > this.leaseUntil) this.leaseUntil = until;
    }
    for (const r of released) this.answerRead(r, r.index, 'readIndex');
  }

  /**
   * Whether `peer`'s acknowledgements may extend our lease: not quarantined (it
   * says), not diverged (we found), and (clock-rate check) it measured our clock
   * running within the lease's bound of its own, recently.
   */
  private leaseTrusts(peer: NodeId): boolean {
    return (
      !this.peerQuarantined.has(peer) &&
      this.checkpoints.peerState(peer, this.log.applied, this.now) !== 'diverged' &&
      (!this.clockChecked() || this.bugs.has('ignore-clock-rate') || this.clockJudge.trusts(peer, this.now))
    );
  }

  /** Leases rely on measured clock rates: lease reads configured and the check on (the lease bug checks nothing). */
  private clockChecked(): boolean {
    return (
      this.cfg.clockRateCheck && leaseReadsAllowed(this.cfg) && !this.bugs.has('lease-without-checkquorum')
    );
  }

  private answerRead(req: ReadRequest, index: number, mode: ReadMode): void {
    if (req.from === null) {
      this.readStates.push({ ctx: req.ctx, status: 'ready', index, mode });
    } else {
      this.send<ReadIndexResponseMessage>({
        type: 'readIndexResp',
        from: this.id,
        to: req.from,
        term: this.term,
        ctx: req.ctx,
        reject: false,
        index,
      });
    }
  }

  private dropRead(req: ReadRequest, reason: DropReason, leaderHint: NodeId | null): void {
    if (req.from === null) {
      this.readStates.push({ ctx: req.ctx, status: 'dropped', reason, leaderHint });
    } else {
      this.send<ReadIndexResponseMessage>({
        type: 'readIndexResp',
        from: this.id,
        to: req.from,
        term: this.term,
        ctx: req.ctx,
        reject: true,
        index: 0,
      });
    }
  }

  private rejectRead(m: ReadIndexMessage): void {
    this.send<ReadIndexResponseMessage>({
      type: 'readIndexResp',
      from: this.id,
      to: m.from,
      term: this.term,
      ctx: m.ctx,
      reject: true,
      index: 0,
    });
  }

  private handleReadIndexResp(m: ReadIndexResponseMessage): void {
    const f = this.forwardedReads.get(m.ctx);
    if (!f) return;
    this.forwardedReads.delete(m.ctx);
    if (m.reject) {
      const hint = this.lead !== m.from ? this.lead : null;
      this.readStates.push({ ctx: f.ctx, status: 'dropped', reason: 'notLeader', leaderHint: hint });
    } else {
      this.readStates.push({ ctx: f.ctx, status: 'ready', index: m.index, mode: 'readIndex' });
    }
  }

  private expireForwardedReads(): void {
    if (this.forwardedReads.size === 0) return;
    for (const [fid, f] of this.forwardedReads) {
      if (this.now - f.sentTick >= this.cfg.electionTicks) {
        this.forwardedReads.delete(fid);
        this.readStates.push({ ctx: f.ctx, status: 'dropped', reason: 'timeout', leaderHint: this.lead });
      }
    }
  }

  private dropForwardedReads(reason: DropReason): void {
    if (this.forwardedReads.size === 0) return;
    for (const f of this.forwardedReads.values()) {
      this.readStates.push({ ctx: f.ctx, status: 'dropped', reason, leaderHint: null });
    }
    this.forwardedReads.clear();
  }

  // ===========================================================================
  // Ready helpers

  private prepareReady(): void {
    if (this.role === 'leader') {
      this.flushAppends();
      if (this.reads.wantsRound) {
        this.heartbeatElapsed = 0;
        this.broadcastHeartbeat();
      }
    }
    if (this.proposals.hasOrphans) {
      this.proposals.resolveOrphans(
        this.now,
        (i) => this.log.termOrNull(i),
        this.log.committed,
        this.lead,
        this.outcomes,
      );
    }
  }

  private send<M extends Message>(m: M): void {
    if (this.cfg.incarnation !== 0) (m as { inc?: number }).inc = this.cfg.incarnation;
    this.msgs.push(m);
  }

  private softState(): SoftState {
    return { role: this.role, leader: this.lead, term: this.term };
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leader === b.leader && a.term === b.term;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
