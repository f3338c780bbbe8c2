/**
 * The host of one simulated node: a RaftNode, its MemoryStorage and its
 * KvStateMachine, driven by the Ready contract exactly as the runtime drives
 * it:
 *
 *   1. persist the Ready's snapshot (applySnapshot), entries and hardState
 *      (unsynced writes);
 *   2. when the Ready must be synced, the disk sync completes after a random
 *      virtual disk latency; only then
 *   3. send the Ready's messages (a leader's may go before step 2 when the
 *      Ready says `messagesMayPrecedePersist`),
 *   4. restore the state machine from the Ready's snapshot (if any), then
 *      apply committed entries, serve read states, answer clients,
 *   5. advance(); then, if the snapshot policy says so (or a snapshot was
 *      requested), snapshot the state machine at its applied index and compact
 *      the log: both unsynced until the next sync, so a crash before it loses
 *      them and leaves the previous snapshot and the full log.
 *
 * While a sync is pending the node keeps receiving messages and ticks (as a
 * real host's event loop would); the next Ready is taken after advance().
 * With the injected bug 'reply-before-persist' step 3 happens before step 2.
 *
 * A crash throws away the RaftNode and the state machine (volatile) and
 * recovers storage to what was synced; a restart restores the state machine
 * from the storage's snapshot and replays the committed log after it. A wipe
 * (membership: a removed node's disk is erased) also throws the storage away.
 */
import {
  type ConfChange,
  type ConfState,
  type Entry,
  EntryType,
  encodeKvRequest,
  type KvResult,
  KvStateMachine,
  MemoryStorage,
  type Message,
  type NodeId,
  type ProposalOutcome,
  type RaftConfig,
  RaftNode,
  type Ready,
  type Role,
  type TransitionReason,
} from '@raftkit/core';
import type { ClientReply, ClientRequest } from './client-protocol.js';
import { HostSnapshots } from './host-snapshots.js';
import type { InvariantSuite } from './invariants/index.js';
import type { ClusterEvent, CrashPoint } from './nemesis/index.js';

/** What a node host needs from the simulation around it. */
export interface NodeEnv {
  readonly now: number;
  readonly invariants: InvariantSuite;
  readonly replyBeforePersist: boolean;
  /** Schedules a sync completion for `node`'s current incarnation after a disk latency. */
  scheduleSync(node: SimNode): void;
  send(msg: Message): void;
  reply(reply: ClientReply): void;
  /** Something observable changed on `node` (role, term, commit, applied state). */
  changed(node: SimNode, restarted: boolean): void;
  /** Something a nemesis may react to: a new leader, a leader's commit, an acknowledged write. */
  clusterEvent(e: ClusterEvent): void;
  /** An armed crash fired: crash `node` now and restart it after `restartAfterUs`. */
  crashFired(node: SimNode, point: CrashPoint, restartAfterUs: number): void;
  log(text: () => string): void;
  /** At most this many missed ticks are replayed when a paused node resumes. */
  readonly maxCatchUpTicks: number;
}

/** How a new leader's candidacy began: its own election timer, a leadership transfer, or the host's campaign(). */
export type ElectionCause = 'timeout' | 'transfer' | 'campaign';

interface PendingWrite {
  readonly req: Extract<ClientRequest, { kind: 'write' }>;
}

interface AwaitingApply extends PendingWrite {
  readonly term: number;
}

interface PendingRead {
  readonly req: Extract<ClientRequest, { kind: 'read' }>;
}

interface AppliedResult {
  readonly term: number;
  readonly result: KvResult | null;
}

/** Results of recently applied entries, kept for outcomes that arrive after the apply. */
const RECENT_RESULTS = 512;

export type NodeInput =
  | { readonly kind: 'message'; readonly msg: Message }
  | { readonly kind: 'client'; readonly req: ClientRequest }
  | { readonly kind: 'synced'; readonly incarnation: number };

export class SimNode {
  raft: RaftNode | null = null;
  storage = new MemoryStorage();
  sm = new KvStateMachine();
  incarnation = 0;
  /**
   * The identity of this node's store (Raft incarnation, see the core README):
   * drawn when the store is created, drawn anew when a wipe replaces it.
   */
  storeIncarnation: number;
  paused = false;
  /** While paused: queue incoming messages (true) or drop them (false). */
  pauseQueues = false;
  clockRate = 1;
  /** The rate this node's clock returns to after a skew fault (profile `persistentClockRates`). */
  persistentClockRate = 1;
  /** Virtual time of this node's next tick (kept by the simulation). */
  nextTickAt = 0;
  role: Role = 'follower';
  term = 0;
  leader: NodeId | null = null;
  commit = 0;
  armed: { point: CrashPoint; restartAfterUs: number } | null = null;
  /** Membership bootstrap of a node that joined a running cluster (null: the initial voters). */
  bootstrap: ConfState | null = null;
  /** Last index of the log as of the latest completed disk sync (what a crash keeps). */
  durableIndex = 0;

  private readonly inbox: NodeInput[] = [];
  private missedTicks = 0;
  private syncing: Ready | null = null;
  private sentEarly = false;
  private readonly pendingWrites = new Map<number, PendingWrite>();
  private readonly awaitingApply = new Map<number, AwaitingApply>();
  private readonly pendingReads = new Map<number, PendingRead>();
  private readsAwaitingApply: { index: number; read: PendingRead }[] = [];
  private readonly recentResults = new Map<number, AppliedResult>();
  private readonly pendingConfChanges = new Map<number, (o: ProposalOutcome) => void>();
  private nextReadCtx = 1;
  private candidacy: ElectionCause = 'timeout';
  private readonly snapshots: HostSnapshots;

  constructor(
    readonly id: NodeId,
    private readonly env: NodeEnv,
    /**
     * Builds this node's RaftConfig for a (re)start over `storage`, whose
     * state machine was restored up to `applied`; `seed` differs per incarnation.
     */
    private readonly makeConfig: (storage: MemoryStorage, incarnation: number, applied: number) => RaftConfig,
    /** After a snapshot at i the log is compacted to i - compactionTail. */
    compactionTail = 0,
    /** Draws a store incarnation (seeded): at creation and at every wipe. */
    private readonly drawIncarnation: () => number = () => 0,
  ) {
    this.storeIncarnation = drawIncarnation();
    const node = this;
    this.snapshots = new HostSnapshots(
      {
        id,
        env,
        get sm() {
          return node.sm;
        },
        get storage() {
          return node.storage;
        },
      },
      compactionTail,
    );
  }

  /** Snapshots taken by this host, installed from a leader, restored at a restart (all lives). */
  get snapshotStats(): HostSnapshots['stats'] {
    return this.snapshots.stats;
  }

  get up(): boolean {
    return this.raft !== null;
  }

  get syncPending(): boolean {
    return this.syncing !== null;
  }

  /** Starts (or restarts after a crash) from what storage holds: the snapshot, then the log after it. */
  start(): void {
    this.incarnation++;
    this.sm = new KvStateMachine();
    this.durableIndex = this.storage.lastIndex();
    const inv = this.env.invariants;
    this.snapshots.onStart(this.bootstrap !== null);
    const raft = new RaftNode(this.makeConfig(this.storage, this.incarnation, this.sm.appliedIndex));
    this.raft = raft;
    const st = raft.status();
    this.role = st.role;
    this.term = st.term;
    this.leader = st.leader;
    this.commit = st.commitIndex;
    inv.commits.onRestart(this.id, this.commit, this.env.now);
    inv.stateMachines.onReset(this.id, this.sm.appliedIndex);
    if (this.role === 'leader') this.becameLeader();
    this.env.changed(this, true);
    this.pump();
  }

  /** The disk is erased too (a removed node's machine reused): the next start is a fresh join. */
  wipe(): void {
    this.crash();
    this.storage = new MemoryStorage();
    this.storeIncarnation = this.drawIncarnation();
    this.durableIndex = 0;
    this.env.invariants.commits.onWipe(this.id);
  }

  /** Loses volatile state and unsynced writes. */
  crash(): void {
    if (this.raft === null) return;
    this.raft = null;
    this.storage = this.storage.crashAndRecover();
    this.syncing = null;
    this.sentEarly = false;
    this.paused = false;
    this.armed = null;
    this.inbox.length = 0;
    this.pendingWrites.clear();
    this.awaitingApply.clear();
    this.pendingReads.clear();
    this.readsAwaitingApply = [];
    this.recentResults.clear();
    this.pendingConfChanges.clear();
    this.snapshots.onCrash();
    this.durableIndex = this.storage.lastIndex();
    if (this.role === 'leader') this.env.invariants.commits.onNotLeader(this.id);
    this.role = 'follower';
    this.leader = null;
  }

  pause(queue: boolean): void {
    this.paused = true;
    this.missedTicks = 0;
    this.pauseQueues = queue;
  }

  resume(): void {
    this.paused = false;
    // The host's tick source is a real clock: after a pause it sees the time that passed
    // (capped: beyond a few election timeouts more ticks change nothing). Without this a
    // resumed leader would think its lease still runs and serve stale lease reads.
    const catchUp = Math.min(this.missedTicks, this.env.maxCatchUpTicks);
    this.missedTicks = 0;
    for (let i = 0; i < catchUp && this.raft !== null; i++) this.raft.tick();
    const queued = this.inbox.splice(0);
    for (const input of queued) {
      if (this.raft === null || this.paused) break;
      this.input(input);
    }
    this.pump();
  }

  tick(): void {
    if (this.raft === null) return;
    if (this.paused) {
      this.missedTicks++;
      return;
    }
    this.raft.tick();
    this.pump();
  }

  /** A message, client request or sync completion for this node. */
  input(input: NodeInput): void {
    const raft = this.raft;
    if (raft === null) return;
    if (input.kind === 'synced' && input.incarnation !== this.incarnation) return;
    if (this.paused) {
      // A paused process still has its disk write completed by the OS; network input may be dropped.
      if (input.kind === 'synced' || this.pauseQueues) this.inbox.push(input);
      return;
    }
    switch (input.kind) {
      case 'message':
        raft.step(input.msg);
        break;
      case 'client':
        this.clientRequest(raft, input.req);
        break;
      case 'synced':
        this.synced();
        return;
    }
    this.pump();
  }

  private clientRequest(raft: RaftNode, req: ClientRequest): void {
    if (req.kind === 'write') {
      const data = encodeKvRequest({ cmd: req.cmd, session: { clientId: req.client, seq: req.seq } });
      const id = raft.propose(data);
      this.pendingWrites.set(id, { req });
    } else {
      const ctx = this.nextReadCtx++;
      this.pendingReads.set(ctx, { req });
      raft.readIndex(ctx, req.mode);
    }
  }

  /**
   * Proposes a membership change here (the operator talks to the leader).
   * Returns whether the entry was appended; `done` gets the outcome when it
   * arrives (never if this node crashes first). InvalidArgumentError (a
   * change that does not fit the configuration) propagates.
   */
  proposeConfChange(change: ConfChange, done: (o: ProposalOutcome) => void): boolean {
    const raft = this.raft;
    if (raft === null || this.paused) return false;
    const before = raft.status().lastIndex;
    const id = raft.proposeConfChange(change);
    this.pendingConfChanges.set(id, done);
    const appended = raft.status().lastIndex > before;
    this.pump();
    return appended;
  }

  /** Asks for a snapshot (and compaction) at the applied index, as soon as no sync is pending. */
  requestSnapshot(): void {
    if (this.raft === null) return;
    this.snapshots.request();
    if (this.syncing === null && !this.paused) this.snapshots.maybeTake(this.raft);
  }

  /** Takes Readys until one has to wait for the disk. */
  pump(): void {
    for (;;) {
      const raft = this.raft;
      if (raft === null || this.syncing !== null || this.paused || !raft.hasReady()) return;
      const rd = raft.ready();
      this.persist(rd);
      if (rd.mustSync) {
        // A leader's appends travel while it writes its own copy (Ready.messagesMayPrecedePersist,
        // thesis §10.2.1), as in the runtime; a crash before the sync loses only the leader's copy.
        if (this.env.replyBeforePersist || rd.messagesMayPrecedePersist) {
          this.sendAll(rd.messages);
          this.sentEarly = true;
        }
        this.syncing = rd;
        this.env.scheduleSync(this);
        return;
      }
      this.complete(rd);
    }
  }

  private synced(): void {
    const rd = this.syncing;
    if (rd === null) return;
    const armed = this.armed;
    if (
      armed !== null &&
      (armed.point === 'beforeSync' ||
        (armed.point === 'beforeSnapshotSync' && (rd.snapshot !== null || this.snapshots.unsyncedSnapshot)))
    ) {
      this.env.crashFired(this, armed.point, armed.restartAfterUs);
      return;
    }
    this.storage.sync();
    this.durableIndex = this.storage.lastIndex();
    this.snapshots.onSynced();
    this.env.invariants.commits.onDurableCommit(this.id, this.storage.initialState().hardState.commit);
    this.syncing = null;
    this.complete(rd);
    this.pump();
  }

  private persist(rd: Ready): void {
    const env = this.env;
    const inv = env.invariants;
    const roleBefore = this.role;
    const termBefore = this.term;
    if (rd.softState !== null) {
      this.role = rd.softState.role;
      this.term = rd.softState.term;
      this.leader = rd.softState.leader;
    }
    if (rd.hardState !== null && rd.hardState.term > this.term) this.term = rd.hardState.term;
    for (const t of rd.transitions) {
      env.log(() => `${this.id} ${t.from} -> ${t.to} term ${t.term} (${t.reason})`);
      // A pre-candidacy says why the campaign began; its promotion to candidate keeps that.
      if (t.to === 'preCandidate' || (t.to === 'candidate' && t.reason !== 'preVoteWon'))
        this.candidacy = candidacyCause(t.reason);
    }
    if (rd.snapshot !== null) this.storage.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0)
      this.appendEntries(
        rd.entries,
        roleBefore === 'leader' && this.role === 'leader' && termBefore === this.term,
      );
    if (rd.hardState !== null) {
      this.storage.setHardState(rd.hardState);
      if (rd.hardState.commit !== this.commit) {
        inv.commits.onCommit(this.id, rd.hardState.commit, this.term, this.storage, env.now);
        this.commit = rd.hardState.commit;
        if (this.role === 'leader') {
          const raft = this.raft;
          if (raft !== null && this.commit > 0) {
            // The configuration in force at the commit index, and the newest (a change appended since).
            const confs = [raft.confStateAt(this.commit), raft.confStateAt(this.storage.lastIndex())];
            inv.membership.onLeaderCommit(
              this.id,
              this.commit,
              this.storage.term(this.commit),
              confs,
              env.now,
            );
          }
          env.clusterEvent({ kind: 'leaderCommitted', node: this.id, commit: this.commit, term: this.term });
        }
      }
    }
    const becameLeader = this.role === 'leader' && (roleBefore !== 'leader' || termBefore !== this.term);
    if (roleBefore === 'leader' && !becameLeader && this.role !== 'leader') inv.commits.onNotLeader(this.id);
    if (becameLeader) this.becameLeader();
    if (rd.softState !== null || rd.hardState !== null) env.changed(this, false);
  }

  private becameLeader(): void {
    const inv = this.env.invariants;
    inv.elections.onLeader(this.id, this.term, this.env.now);
    if (this.raft !== null)
      inv.membership.onLeader(this.id, this.term, this.raft.status().conf, this.env.now);
    inv.commits.onLeader(this.id, this.term, this.storage, this.env.now);
    this.env.clusterEvent({ kind: 'leaderElected', node: this.id, term: this.term, cause: this.candidacy });
    this.candidacy = 'timeout';
  }

  private appendEntries(entries: readonly Entry[], stillLeader: boolean): void {
    const env = this.env;
    const inv = env.invariants;
    const storage = this.storage;
    const first = entries[0].index;
    const lastBefore = storage.lastIndex();
    const prevIndex = first - 1;
    const prevTerm =
      prevIndex >= storage.firstIndex() - 1 && prevIndex <= lastBefore ? storage.term(prevIndex) : -1;
    if (first <= lastBefore) inv.commits.onTruncate(this.id, prevIndex, env.now);
    inv.logs.onAppend(this.id, entries, prevTerm, lastBefore, stillLeader ? this.term : null, env.now);
    storage.append(entries);
    // A replaced suffix is no longer what the disk is known to hold (until the next sync).
    if (prevIndex < this.durableIndex) this.durableIndex = prevIndex;
  }

  private complete(rd: Ready): void {
    const raft = this.raft;
    if (raft === null) return;
    if (!this.sentEarly) this.sendAll(rd.messages);
    this.sentEarly = false;
    if (
      this.armed?.point === 'afterVoteSent' &&
      rd.messages.some((m) => m.type === 'voteResp' && !m.reject)
    ) {
      const { restartAfterUs } = this.armed;
      this.env.crashFired(this, 'afterVoteSent', restartAfterUs);
      return;
    }
    let applied = false;
    if (rd.snapshot !== null) {
      this.snapshots.restore(raft, rd.snapshot);
      // Results of entries inside the snapshot are unknown here; their clients retry with their session.
      this.recentResults.clear();
      for (const i of [...this.awaitingApply.keys()])
        if (i <= rd.snapshot.meta.index) this.awaitingApply.delete(i);
      applied = true;
    }
    for (const e of rd.committedEntries) {
      this.apply(raft, e);
      applied = true;
    }
    for (const d of rd.divergences) {
      // Every node applies the same committed entries to a deterministic state machine:
      // a hash mismatch at a checkpoint means the states diverged.
      this.env.invariants.report({
        invariant: 'stateMachineSafety',
        time: this.env.now,
        nodes: d.node === d.detectedBy ? [d.node] : [d.node, d.detectedBy],
        index: d.index,
        message: `divergence: ${d.detectedBy} found ${d.node}'s state hash at index ${d.index} to be ${d.actual}, expected ${d.expected}${d.confirmed ? ' (quorum-confirmed)' : ''}`,
      });
    }
    for (const r of rd.snapshotRejections) {
      this.env.log(() => `${this.id} rejected a snapshot from ${r.from} at index ${r.index}`);
    }
    if (applied) this.serveWaitingReads();
    for (const rs of rd.readStates) {
      const read = this.pendingReads.get(rs.ctx);
      if (read === undefined) continue;
      this.pendingReads.delete(rs.ctx);
      if (rs.status === 'dropped') {
        this.replyRejected(read.req, rs.reason, rs.leaderHint);
      } else if (this.sm.appliedIndex >= rs.index) {
        this.serveRead(read);
      } else {
        this.readsAwaitingApply.push({ index: rs.index, read });
      }
    }
    for (const o of rd.outcomes) {
      const confDone = this.pendingConfChanges.get(o.id);
      if (confDone !== undefined) {
        this.pendingConfChanges.delete(o.id);
        confDone(o);
        continue;
      }
      const w = this.pendingWrites.get(o.id);
      if (w === undefined) continue;
      this.pendingWrites.delete(o.id);
      if (o.status === 'dropped') {
        if (o.reason === 'termChanged')
          this.env.reply({
            ...replyHead(w.req, this.id),
            status: 'indeterminate',
            reason: o.reason,
            leaderHint: o.leaderHint,
          });
        else this.replyRejected(w.req, o.reason, o.leaderHint);
        continue;
      }
      const done = this.recentResults.get(o.index);
      if (done !== undefined) this.answerWrite(w, o.index, o.term, done);
      else this.awaitingApply.set(o.index, { req: w.req, term: o.term });
    }
    raft.advance();
    if (applied) this.env.changed(this, false);
    if (!this.paused) this.snapshots.maybeTake(raft);
  }

  private apply(raft: RaftNode, e: Entry): void {
    const inv = this.env.invariants;
    inv.stateMachines.onApply(this.id, e, this.commit, this.env.now);
    if (e.type === EntryType.ConfChange) {
      inv.membership.onApplyConfChange(this.id, e, this.env.now);
      this.snapshots.onConfChangeApplied(e.index);
    }
    const result = this.sm.apply(e);
    inv.snapshots.onApplied(e.index, this.sm);
    // Divergence detection: the state hash right after every K-th entry goes to the core.
    if (raft.checkpointDue(e.index)) raft.reportCheckpoint(e.index, this.sm.hash());
    const done: AppliedResult = { term: e.term, result };
    this.recentResults.set(e.index, done);
    this.recentResults.delete(e.index - RECENT_RESULTS);
    const waiting = this.awaitingApply.get(e.index);
    if (waiting !== undefined) {
      this.awaitingApply.delete(e.index);
      this.answerWrite(waiting, e.index, waiting.term, done);
    }
  }

  private answerWrite(w: PendingWrite, index: number, term: number, done: AppliedResult): void {
    const env = this.env;
    const r = done.result;
    if (done.term !== term) {
      // The outcome named an entry that is not the one applied at its index.
      env.invariants.report({
        invariant: 'ackedWriteLost',
        time: env.now,
        nodes: [this.id],
        message: `${this.id} reported (${index}, term ${term}) committed but applied term ${done.term} there`,
      });
      return;
    }
    if (r === null || !r.ok) {
      this.replyRejected(w.req, r === null ? 'badRequest' : r.error, null);
      return;
    }
    env.invariants.acks.onAck(
      this.id,
      index,
      term,
      `${w.req.client}#${w.req.seq} ${w.req.cmd.op} ${w.req.cmd.key}`,
      env.now,
    );
    env.reply({
      ...replyHead(w.req, this.id),
      status: 'ok',
      ...(r.op === 'cas' ? { swapped: r.swapped } : {}),
    });
    env.clusterEvent({ kind: 'writeAcked', node: this.id });
  }

  private serveWaitingReads(): void {
    if (this.readsAwaitingApply.length === 0) return;
    const applied = this.sm.appliedIndex;
    const still: { index: number; read: PendingRead }[] = [];
    for (const w of this.readsAwaitingApply) {
      if (w.index <= applied) this.serveRead(w.read);
      else still.push(w);
    }
    this.readsAwaitingApply = still;
  }

  private serveRead(read: PendingRead): void {
    const value = this.sm.get(read.req.key);
    this.env.reply({ ...replyHead(read.req, this.id), status: 'ok', value: value ?? null });
  }

  private replyRejected(
    req: ClientRequest,
    reason: Extract<ClientReply, { status: 'rejected' }>['reason'],
    leaderHint: NodeId | null,
  ): void {
    this.env.reply({ ...replyHead(req, this.id), status: 'rejected', reason, leaderHint });
  }

  private sendAll(messages: readonly Message[]): void {
    for (const m of messages) this.env.send(m);
  }
}

function candidacyCause(reason: TransitionReason): ElectionCause {
  if (reason === 'timeoutNow') return 'transfer';
  if (reason === 'campaign') return 'campaign';
  return 'timeout';
}

function replyHead(req: ClientRequest, node: NodeId) {
  return { client: req.client, seq: req.seq, attempt: req.attempt, node };
}
