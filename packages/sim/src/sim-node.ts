/**
 * The host of one simulated node: a RaftNode, its MemoryStorage and its
 * KvStateMachine, driven by the Ready contract exactly as the runtime drives
 * it:
 *
 *   1. persist the Ready's hardState/entries/snapshot (unsynced writes);
 *   2. when the Ready must be synced, the disk sync completes after a random
 *      virtual disk latency; only then
 *   3. send the Ready's messages,
 *   4. apply committed entries, serve read states, answer clients,
 *   5. advance().
 *
 * While a sync is pending the node keeps receiving messages and ticks (as a
 * real host's event loop would); the next Ready is taken after advance().
 * With the injected bug 'reply-before-persist' step 3 happens before step 2.
 *
 * A crash throws away the RaftNode and the state machine (volatile) and
 * recovers storage to what was synced.
 */
import {
  type Entry,
  encodeKvRequest,
  type KvResult,
  KvStateMachine,
  MemoryStorage,
  type Message,
  type NodeId,
  type RaftConfig,
  RaftNode,
  type Ready,
  type Role,
} from '@raftkit/core';
import type { ClientReply, ClientRequest } from './client-protocol.js';
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
}

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

/** At most this many ticks are replayed when a paused node resumes. */
const MAX_CATCH_UP_TICKS = 30;

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
  paused = false;
  /** While paused: queue incoming messages (true) or drop them (false). */
  pauseQueues = false;
  clockRate = 1;
  /** Virtual time of this node's next tick (kept by the simulation). */
  nextTickAt = 0;
  role: Role = 'follower';
  term = 0;
  leader: NodeId | null = null;
  commit = 0;
  armed: { point: CrashPoint; restartAfterUs: number } | null = null;

  private readonly inbox: NodeInput[] = [];
  private missedTicks = 0;
  private syncing: Ready | null = null;
  private sentEarly = false;
  private readonly pendingWrites = new Map<number, PendingWrite>();
  private readonly awaitingApply = new Map<number, AwaitingApply>();
  private readonly pendingReads = new Map<number, PendingRead>();
  private readsAwaitingApply: { index: number; read: PendingRead }[] = [];
  private readonly recentResults = new Map<number, AppliedResult>();
  private nextReadCtx = 1;

  constructor(
    readonly id: NodeId,
    private readonly env: NodeEnv,
    /** Builds this node's RaftConfig for a (re)start; `seed` differs per incarnation. */
    private readonly makeConfig: (storage: MemoryStorage, incarnation: number) => RaftConfig,
  ) {}

  get up(): boolean {
    return this.raft !== null;
  }

  get syncPending(): boolean {
    return this.syncing !== null;
  }

  /** Starts (or restarts after a crash) from what storage holds. */
  start(): void {
    this.incarnation++;
    this.sm = new KvStateMachine();
    const raft = new RaftNode(this.makeConfig(this.storage, this.incarnation));
    this.raft = raft;
    const st = raft.status();
    this.role = st.role;
    this.term = st.term;
    this.leader = st.leader;
    this.commit = st.commitIndex;
    const inv = this.env.invariants;
    inv.commits.onRestart(this.id, this.commit, this.env.now);
    inv.stateMachines.onReset(this.id, 0);
    if (this.role === 'leader') this.becameLeader();
    this.env.changed(this, true);
    this.pump();
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
    const catchUp = Math.min(this.missedTicks, MAX_CATCH_UP_TICKS);
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

  /** Takes Readys until one has to wait for the disk. */
  pump(): void {
    for (;;) {
      const raft = this.raft;
      if (raft === null || this.syncing !== null || this.paused || !raft.hasReady()) return;
      const rd = raft.ready();
      this.persist(rd);
      if (rd.mustSync) {
        if (this.env.replyBeforePersist) {
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
    if (this.armed?.point === 'beforeSync') {
      const { restartAfterUs } = this.armed;
      this.env.crashFired(this, 'beforeSync', restartAfterUs);
      return;
    }
    this.storage.sync();
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
        if (this.role === 'leader')
          env.clusterEvent({ kind: 'leaderCommitted', node: this.id, commit: this.commit });
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
    inv.commits.onLeader(this.id, this.term, this.storage, this.env.now);
    this.env.clusterEvent({ kind: 'leaderElected', node: this.id, term: this.term });
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
        nodes: [d.node, d.detectedBy],
        message: `${d.detectedBy} found ${d.node}'s state hash at index ${d.index} to be ${d.actual}, expected ${d.expected}${d.confirmed ? ' (quorum-confirmed)' : ''}`,
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
  }

  private apply(raft: RaftNode, e: Entry): void {
    this.env.invariants.stateMachines.onApply(this.id, e, this.commit, this.env.now);
    const result = this.sm.apply(e);
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

function replyHead(req: ClientRequest, node: NodeId) {
  return { client: req.client, seq: req.seq, attempt: req.attempt, node };
}
