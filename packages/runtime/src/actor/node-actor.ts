import { getHeapStatistics } from 'node:v8';
import {
  type ConfChange,
  DecodeError,
  decodeMessage,
  type Entry,
  EntryType,
  encodeMessage,
  type Message,
  type NodeId,
  RaftError,
  RaftNode,
  type Ready,
} from '@raftkit/core';
import type {
  ActorEvent,
  CorruptionResult,
  FailedState,
  HashCheckResult,
  ReadConsistency,
  ReadResult,
  Reply,
  RuntimeNodeStatus,
  StateSnapshot,
} from '../control/api.js';
import { READ_MODE_OF } from '../control/api.js';
import { toWireError } from '../error-wire.js';
import {
  AppError,
  InvalidRequestError,
  NodeStoppedError,
  NotLeaderError,
  QuarantinedError,
  TimeoutError,
  TooLargeError,
} from '../errors.js';
import { errorMessage } from '../machine/session-machine.js';
import { digestBytes } from '../machine/snapshot-digest.js';
import type { RuntimeStateMachine, StateMachineSpec } from '../machine/state-machine-spec.js';
import type { SideWorkClient } from '../side-work/client.js';
import type { SnapshotCodec } from '../side-work/snapshot-codec.js';
import type { DurableStorage } from '../storage/durable-storage.js';
import type { DirectTraffic } from '../transport/direct-peers.js';
import { packFrames, splitBatches, unpackFrames } from '../transport/frame-batch.js';
import type { InboundBatches, OutboundBatches } from '../transport/port-protocol.js';
import { clockSkewAlert, divergenceAlert, identityConflictAlert } from './alerts.js';
import { ConfChangeRequests } from './conf-changes.js';
import { type ActorRaftOptions, raftConfigOf } from './raft-config.js';
import {
  type ActorSnapshotOptions,
  initialConfFloor,
  type RestoredSnapshot,
  SnapshotKeeper,
} from './snapshot-keeper.js';
import { StatePace } from './state-pace.js';
import { fail, ok, ProposalWaiters, type ReadRequest, ReadWaiters, type Resolve } from './waiters.js';

/**
 * The full hash check is a background safety net over the incremental hash (checkpoints
 * compare replicas every checkpointInterval entries anyway), and it costs more than a
 * snapshot (a serialization here and a whole restore on the pool): with a large state it
 * runs at most once per this many snapshot paces.
 */
const HASH_CHECK_PACE_FACTOR = 4;

export interface ActorOptions extends ActorRaftOptions {
  /** The incarnation a new store gets (default: random); an existing store keeps its own. */
  readonly incarnation?: number;
  readonly tickMs: number;
  readonly machine: StateMachineSpec;
  /** Incarnation number (0 first start, +1 per restart), reported to the monitor. */
  readonly epoch: number;
  /** Verify the incremental state hash against a full recomputation every N applied entries (0: never). */
  readonly hashCheckEvery: number;
  /** Send a leader's appends while its own write is in flight (ClusterOptions.parallelLeaderWrites). */
  readonly parallelLeaderWrites: boolean;
  /** Push an observation at least this often while something changed (ms). */
  readonly observeEveryMs: number;
  readonly snapshot: ActorSnapshotOptions;
  /** Split each destination's frames into batches of at most this many bytes (ClusterOptions.maxBatchBytes). */
  readonly maxBatchBytes: number;
}

/** What the hosting thread provides: a way out for frames, events and side work. */
export interface ActorHost {
  sendFrames(out: OutboundBatches, transfer: ArrayBuffer[]): void;
  emit(event: ActorEvent): void;
  /** Batches the host sent and received on direct ports to peer actors (bypassing the router). */
  directTraffic?(): DirectTraffic;
  readonly side: SideWorkClient | null;
  /** Snapshot compression and checksums (on the side-work pool in a worker). */
  readonly codec: SnapshotCodec;
}

/** Ticks caught up at most after the event loop stalled (more changes nothing). */
const MAX_CATCH_UP_TICKS = 1000;

/**
 * One Raft node as an actor: RaftNode + durable storage + state machine + a
 * tick timer + the Ready loop. Thread-agnostic: worker.ts wires it to ports.
 *
 * The Ready loop (persist -> send -> apply -> answer -> advance) runs one
 * Ready at a time. While a Ready's writes are being made durable, new
 * proposals and messages keep being stepped into the RaftNode, so they all
 * land in the next Ready and the next single LMDB transaction: group commit.
 */
export class NodeActor {
  readonly id: NodeId;
  private readonly node: RaftNode;
  private readonly startedAt = performance.now();
  private tickTimer: NodeJS.Timeout | null = null;
  private lastTickAt = performance.now();
  private loopScheduled = false;
  private loopRunning = false;
  private stopped = false;
  private stopping: Promise<void> | null = null;

  private readonly proposals: ProposalWaiters;
  private readonly reads: ReadWaiters;
  private nextReadCtx = 1;
  private readonly transfers: { to: NodeId; deadlineTick: number; resolve: Resolve<void> }[] = [];
  private readonly confChanges: ConfChangeRequests;
  private readonly snapshots: SnapshotKeeper;

  private counters = {
    decode: 0,
    invalid: 0,
    framing: 0,
    misrouted: 0,
    spoofed: 0,
    batchesIn: 0,
    framesIn: 0,
    batchesOut: 0,
    framesOut: 0,
    readies: 0,
    sentBeforePersist: 0,
  };
  private lastError: string | null = null;
  private hashChecks = { runs: 0, mismatches: 0, lastIndex: 0 };
  private hashCheckRunning = false;
  /** Entry payload bytes applied since this start (the clock of the O(state) work's pacing). */
  private appliedBytes = 0;
  /** The periodic full hash check serializes the whole state (and the pool restores it): paced, more loosely than snapshots. */
  private readonly hashCheckPace: StatePace;
  private lastObservationAt = 0;
  private observationDirty = true;
  private lastSoft = { role: '', term: -1, leader: null as NodeId | null };
  /** Set when the state machine threw and the node halted (see halt()). */
  private failed: FailedState | null = null;
  /** Highest checkpoint reported with a hash derived on the pool. */
  private derivedCheckpoint = 0;

  /**
   * Build an actor over an opened store: restore the state machine from the
   * stored snapshot (decompressed on the side-work pool), then construct the
   * RaftNode, which hands out the committed entries after the snapshot.
   */
  static async create(
    opts: ActorOptions,
    storage: DurableStorage,
    sm: RuntimeStateMachine,
    host: ActorHost,
  ): Promise<NodeActor> {
    const restored = await SnapshotKeeper.restoreStored(storage, sm, host.codec);
    return new NodeActor(opts, storage, sm, host, restored);
  }

  private constructor(
    private readonly opts: ActorOptions,
    private readonly storage: DurableStorage,
    private readonly sm: RuntimeStateMachine,
    private readonly host: ActorHost,
    restored: RestoredSnapshot,
  ) {
    const restoredAt = restored.index;
    this.id = opts.id;
    this.proposals = new ProposalWaiters(opts.id);
    this.reads = new ReadWaiters(opts.id);
    this.confChanges = new ConfChangeRequests(opts.id, 3 * opts.raft.electionTicks);
    this.hashCheckPace = new StatePace(opts.snapshot.stateRatio * HASH_CHECK_PACE_FACTOR);
    this.snapshots = new SnapshotKeeper({
      id: opts.id,
      storage,
      sm,
      codec: host.codec,
      catchUpEntries: opts.snapshot.catchUpEntries,
      stateRatio: opts.snapshot.stateRatio,
      confFloor: initialConfFloor(storage, opts.id, {
        voters: [...opts.peers],
        learners: [...(opts.learners ?? [])],
      }),
      emit: (event) => host.emit({ type: 'snapshot', event }),
      fatal: (err) => this.fatal(err),
      kick: () => this.kick(),
    });
    this.snapshots.noteRestoredAtStart(restored);
    this.hashCheckPace.ran(0, restored.rawBytes);
    // The state machine lives in memory: after a restart it is rebuilt from
    // the stored snapshot (if any) and the log after it up to the commit index.
    this.node = new RaftNode(raftConfigOf(opts, storage, restoredAt, storage.incarnation));
  }

  /** Start ticking and process whatever the node already has to do. */
  start(): void {
    this.lastTickAt = performance.now();
    this.tickTimer = setInterval(() => this.onTimer(), this.opts.tickMs);
    this.kick();
  }

  /** Once the host reported the actor ready (events before that are not delivered): start-up events. */
  announceStart(): void {
    this.snapshots.announceRestored();
  }

  // ---------------------------------------------------------------- inputs

  /** Frames from the router. Bad input is counted and dropped; the node keeps going. */
  onInbound(msg: InboundBatches): void {
    if (this.stopped) return;
    try {
      const { from, bufs } = msg;
      for (let b = 0; b < bufs.length; b++) {
        this.counters.batchesIn++;
        const { frames, error } = unpackFrames(bufs[b]);
        if (error) {
          this.counters.framing++;
          this.lastError = `framing error in a batch from ${from[b]}: ${error}`;
        }
        for (const frame of frames) this.stepFrame(from[b], frame);
      }
    } catch (err) {
      // Not bad input (that is counted above) but a broken invariant: stop rather than go on.
      this.fatal(err);
      return;
    }
    this.kick();
  }

  private stepFrame(from: NodeId, frame: Uint8Array): void {
    this.counters.framesIn++;
    let msg: Message;
    try {
      msg = decodeMessage(frame);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.counters.decode++;
      this.lastError = `frame from ${from} rejected: ${err.message} (${err.reason})`;
      return;
    }
    if (msg.to !== this.id) {
      this.counters.misrouted++;
      this.lastError = `frame for ${msg.to} delivered to ${this.id}`;
      return;
    }
    if (msg.from !== from) {
      this.counters.spoofed++;
      this.lastError = `frame claims sender ${msg.from} but came from ${from}`;
      return;
    }
    try {
      this.node.step(msg);
    } catch (err) {
      // A well-formed frame that is still not a valid message (e.g. inconsistent entries).
      if (!(err instanceof RaftError) || err.code !== 'INVALID_MESSAGE') throw err;
      this.counters.invalid++;
      this.lastError = `message from ${from} rejected: ${err.message}`;
    }
  }

  propose(data: Uint8Array): Promise<Reply<unknown>> {
    if (this.stopped) return Promise.resolve(fail(new NodeStoppedError(this.id)));
    if (!(data instanceof Uint8Array))
      return Promise.resolve(fail(new InvalidRequestError('propose expects bytes')));
    const limit = this.opts.raft.maxProposalBytes;
    if (data.byteLength > limit) {
      return Promise.resolve(fail(new TooLargeError(data.byteLength, limit)));
    }
    let id: number;
    try {
      id = this.node.propose(data);
    } catch (err) {
      return Promise.resolve(fail(err));
    }
    return new Promise((resolve) => {
      this.proposals.add(id, resolve);
      this.kick();
    });
  }

  /** KV read of `key` (machines with `get`) under `consistency`. */
  read(key: string, consistency: ReadConsistency): Promise<Reply<ReadResult>> {
    if (typeof this.sm.get !== 'function') {
      return Promise.resolve(
        fail(new InvalidRequestError('this state machine does not support read(key): use query(q)')),
      );
    }
    if (typeof key !== 'string')
      return Promise.resolve(fail(new InvalidRequestError('read expects a string key')));
    return this.confirmedRead({ key }, consistency);
  }

  /** An app machine's read-only `query(q)` under `consistency`. */
  query(q: unknown, consistency: ReadConsistency): Promise<Reply<ReadResult>> {
    if (typeof this.sm.query !== 'function') {
      return Promise.resolve(
        fail(new InvalidRequestError('this state machine does not support query(q): use read(key)')),
      );
    }
    return this.confirmedRead({ query: q }, consistency);
  }

  private confirmedRead(req: ReadRequest, consistency: ReadConsistency): Promise<Reply<ReadResult>> {
    if (this.stopped) return Promise.resolve(fail(new NodeStoppedError(this.id)));
    if (consistency === 'stale') {
      // A quarantined node's state may be wrong: it serves no reads at all, not even stale ones.
      const q = this.node.status();
      if (q.quarantine) return Promise.resolve(fail(new QuarantinedError(this.id, q.leader)));
      try {
        return Promise.resolve(
          ok({ value: this.serveRead(req), index: this.sm.appliedIndex, mode: 'stale' as const }),
        );
      } catch (err) {
        return Promise.resolve(fail(err));
      }
    }
    if (!(consistency in READ_MODE_OF)) {
      return Promise.resolve(fail(new InvalidRequestError(`unknown consistency ${String(consistency)}`)));
    }
    const mode = READ_MODE_OF[consistency];
    // A stalled event loop must not make a leader believe its lease is younger than it is.
    this.catchUpTicks();
    const ctx = this.nextReadCtx++;
    try {
      this.node.readIndex(ctx, mode);
    } catch (err) {
      return Promise.resolve(fail(err));
    }
    return new Promise((resolve) => {
      this.reads.add(ctx, req, resolve);
      this.kick();
    });
  }

  /** Run one confirmed read on the applied state; a throwing app query is an AppError for that read. */
  private serveRead(req: ReadRequest): unknown {
    if ('key' in req) return this.sm.get?.(req.key);
    try {
      return this.sm.query?.(req.query);
    } catch (err) {
      throw new AppError(errorMessage(err), null);
    }
  }

  transferLeadership(to: NodeId): Promise<Reply<void>> {
    if (this.stopped) return Promise.resolve(fail(new NodeStoppedError(this.id)));
    const st = this.node.status();
    if (st.role !== 'leader') return Promise.resolve(fail(new NotLeaderError(this.id, st.leader)));
    if (to === this.id) return Promise.resolve(ok(undefined));
    try {
      this.node.transferLeadership(to);
    } catch (err) {
      return Promise.resolve(fail(err));
    }
    return new Promise((resolve) => {
      this.transfers.push({ to, deadlineTick: st.tick + 3 * this.opts.raft.electionTicks, resolve });
      this.kick();
    });
  }

  /** Leader only: propose a membership change; resolves once it is committed and applied here. */
  confChange(change: ConfChange): Promise<Reply<{ index: number }>> {
    if (this.stopped) return Promise.resolve(fail(new NodeStoppedError(this.id)));
    if (typeof change !== 'object' || change === null || typeof change.node !== 'string') {
      return Promise.resolve(fail(new InvalidRequestError('a membership change needs { type, node }')));
    }
    return new Promise((resolve) => {
      // The whole change (an added member's address and incarnation too): core validates it.
      this.confChanges.submit(this.node, { ...change }, resolve);
      this.kick();
    });
  }

  campaign(): Reply<void> {
    if (this.stopped) return fail(new NodeStoppedError(this.id));
    this.node.campaign();
    this.kick();
    return ok(undefined);
  }

  // ---------------------------------------------------------------- time

  private onTimer(): void {
    if (this.stopped) return;
    try {
      this.catchUpTicks();
      this.checkTransfers();
      this.confChanges.onTick(this.node);
      this.maybeObserve(false);
    } catch (err) {
      this.fatal(err);
      return;
    }
    this.kick();
  }

  /** Tick once per elapsed tick period, by the wall clock, so stalls are not silently absorbed. */
  private catchUpTicks(): void {
    const now = performance.now();
    let due = Math.floor((now - this.lastTickAt) / this.opts.tickMs);
    if (due <= 0) return;
    if (due > MAX_CATCH_UP_TICKS) {
      this.lastTickAt = now - this.opts.tickMs;
      due = MAX_CATCH_UP_TICKS;
    }
    for (let i = 0; i < due; i++) this.node.tick();
    this.lastTickAt += due * this.opts.tickMs;
  }

  // ---------------------------------------------------------------- the Ready loop

  private kick(): void {
    if (this.loopScheduled || this.loopRunning || this.stopped) return;
    this.loopScheduled = true;
    // setImmediate, not a microtask: every message already queued on the ports
    // (frames, proposals) is stepped first, so one Ready carries them all.
    setImmediate(() => {
      this.loopScheduled = false;
      void this.runLoop();
    });
  }

  private async runLoop(): Promise<void> {
    if (this.loopRunning || this.stopped) return;
    this.loopRunning = true;
    try {
      for (;;) {
        if (this.stopped) return;
        // No persist is in flight here: the place to store a snapshot taken in the background.
        this.snapshots.storeFinished();
        if (!this.node.hasReady()) break;
        const rd = this.node.ready();
        this.counters.readies++;
        this.report(rd);
        // A leader's snapshot is opened (decompressed and verified on the pool) and restored into
        // the state machine BEFORE it is persisted: one that does not open, or that the state
        // machine refuses, stops the node with nothing written (see README, Snapshots).
        let snapshotChecksum: number | undefined;
        if (rd.snapshot) {
          snapshotChecksum = await this.snapshots.openAndRestore(rd.snapshot, this.appliedBytes);
          if (this.stopped) return;
        }
        // A leader's appends may travel while it writes its own copy (thesis §10.2.1; the core says
        // when: Ready.messagesMayPrecedePersist). Everything else leaves only once the write is durable.
        const sendFirst = rd.messagesMayPrecedePersist && this.opts.parallelLeaderWrites;
        if (sendFirst) {
          this.counters.sentBeforePersist++;
          this.sendMessages(rd.messages);
        }
        if (rd.hardState || rd.entries.length > 0 || rd.snapshot) {
          await this.storage.persist({
            hardState: rd.hardState,
            entries: rd.entries,
            snapshot: rd.snapshot,
            snapshotChecksum,
            mustSync: rd.mustSync,
          });
          if (this.stopped) return;
        }
        if (!sendFirst) this.sendMessages(rd.messages);
        if (rd.snapshot) this.snapshots.onInstalled(rd.snapshot);
        for (const o of rd.outcomes) {
          if (!this.confChanges.onOutcome(o, this.node, this.sm.appliedIndex)) {
            this.proposals.onOutcome(o, this.sm.appliedIndex);
          }
        }
        if (rd.snapshot) this.proposals.onSnapshot(rd.snapshot.meta.index);
        for (const e of rd.committedEntries) {
          // A halted node applies nothing more and acknowledges nothing (no advance).
          if (!this.applyEntry(e)) return;
        }
        this.confChanges.onApplied(this.sm.appliedIndex);
        this.reads.onReadStates(rd.readStates);
        this.node.advance();
        this.reads.serve(this.sm.appliedIndex, (req) => this.serveRead(req));
        this.checkTransfers();
        this.snapshots.maybeTake(this.node, this.appliedBytes);
        this.maybeObserve(false);
      }
    } catch (err) {
      this.fatal(err);
    } finally {
      this.loopRunning = false;
    }
    // Inputs that arrived during the last await may have left the node with more to do.
    if (!this.stopped && (this.node.hasReady() || this.snapshots.hasFinished)) this.kick();
  }

  private report(rd: Ready): void {
    const at = Date.now();
    for (const t of rd.transitions) this.host.emit({ type: 'transition', transition: { ...t }, at });
    for (const r of rd.snapshotRejections) this.snapshots.onRejected(r);
    for (const d of rd.divergences) {
      // Unconfirmed verdicts rest on the leader's hash alone: act (alert, repair) on confirmed ones only.
      if (!d.confirmed) continue;
      this.observationDirty = true;
      this.host.emit({ type: 'alert', alert: divergenceAlert(d, at) });
    }
    for (const c of rd.identityConflicts)
      this.host.emit({ type: 'alert', alert: identityConflictAlert(c, at) });
    for (const k of rd.clockSkews) this.host.emit({ type: 'alert', alert: clockSkewAlert(k, at) });
    if (rd.softState) {
      const s = rd.softState;
      if (
        s.role !== this.lastSoft.role ||
        s.term !== this.lastSoft.term ||
        s.leader !== this.lastSoft.leader
      ) {
        this.lastSoft = { role: s.role, term: s.term, leader: s.leader };
        this.observationDirty = true;
        this.maybeObserve(true);
      }
    }
  }

  private sendMessages(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const byDest = new Map<NodeId, Uint8Array[]>();
    // Control messages (heartbeats, votes, acknowledgements) ahead of appends, so
    // that a bulk catch-up batch never holds them back (Raft tolerates reordering).
    for (const pass of [false, true]) {
      for (const m of messages) {
        if ((m.type === 'append') !== pass) continue;
        let list = byDest.get(m.to);
        if (!list) {
          list = [];
          byDest.set(m.to, list);
        }
        list.push(encodeMessage(m));
      }
    }
    const to: NodeId[] = [];
    const bufs: ArrayBuffer[] = [];
    for (const [dest, frames] of byDest) {
      for (const batch of splitBatches(frames, this.opts.maxBatchBytes)) {
        to.push(dest);
        bufs.push(packFrames(batch));
      }
      this.counters.framesOut += frames.length;
    }
    this.counters.batchesOut += bufs.length;
    this.host.sendFrames({ to, bufs }, bufs);
  }

  /** Apply one committed entry; false when the state machine threw and the node halted. */
  private applyEntry(e: Entry): boolean {
    let result: unknown;
    try {
      result = this.sm.apply(e);
    } catch (err) {
      this.halt(e, err);
      return false;
    }
    this.appliedBytes += e.data.byteLength;
    this.proposals.onApplied(e, result);
    if (e.type === EntryType.ConfChange) this.snapshots.onConfChangeApplied(e.index);
    // The hash right after applying a checkpoint index, before the next entry (core's rule).
    if (this.opts.raft.checkpointInterval > 0 && this.node.checkpointDue(e.index)) {
      if (this.sm.derivesHash) this.deriveCheckpointHash(e.index);
      else {
        const hash = this.sm.hash();
        this.node.reportCheckpoint(e.index, hash);
        this.emitObservation(e.index, hash);
      }
    }
    const h = this.opts.hashCheckEvery;
    if (h > 0 && e.index % h === 0 && !this.hashCheckRunning && this.hashCheckPace.due(this.appliedBytes)) {
      void this.verifyStateHash();
    }
    return true;
  }

  /**
   * A machine without hash(): snapshot it now (the state at exactly this
   * index) and digest the bytes on the side-work pool; the checkpoint is
   * reported when the digest is back (core accepts a late report). Later
   * checkpoints overtaking an earlier one make the earlier one moot.
   */
  private deriveCheckpointHash(index: number): void {
    const bytes = this.sm.snapshot();
    const report = (hash: string) => {
      if (this.stopped || index <= this.derivedCheckpoint) return;
      this.derivedCheckpoint = index;
      this.node.reportCheckpoint(index, hash);
      this.emitObservation(index, hash);
      this.kick();
    };
    const side = this.host.side;
    if (!side) {
      report(digestBytes(bytes));
      return;
    }
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    side
      .run({ kind: 'digest', data: bytes }, owned ? [bytes.buffer as ArrayBuffer] : [])
      .then((r) => {
        if (r.kind !== 'digest') throw new Error('unexpected side-work result');
        report(r.hash);
      })
      .catch((err: unknown) => {
        if (!this.stopped) this.fatal(err);
      });
  }

  /**
   * The state machine threw applying `e` (the low-level contract, or an app
   * machine with onApplyError 'halt'): stop here, in a `failed` state that
   * status shows, with an alert naming node, entry and error. The node does
   * not crash and is not restarted: a restart would apply the same entry and
   * fail the same way (fix the machine, then restart the node).
   */
  private halt(e: Entry, err: unknown): void {
    const message = errorMessage(err);
    const at = Date.now();
    this.failed = { index: e.index, term: e.term, message, at };
    // Storage stays open (status reads it); shutdown closes it.
    this.stopWork();
    this.host.emit({
      type: 'alert',
      alert: {
        kind: 'stateMachineFailed',
        severity: 'warning',
        at,
        nodes: [this.id],
        term: e.term,
        index: e.index,
        duration: null,
        message:
          `node ${this.id}: the state machine threw applying entry ${e.index} (term ${e.term}): ${message}; ` +
          'the node halted (status failed) and applies nothing more until it is fixed and restarted',
      },
    });
  }

  private checkTransfers(): void {
    if (this.transfers.length === 0) return;
    const st = this.node.status();
    for (let i = this.transfers.length - 1; i >= 0; i--) {
      const t = this.transfers[i];
      if (st.leader === t.to && st.role !== 'leader') t.resolve(ok(undefined));
      else if (st.tick >= t.deadlineTick) {
        t.resolve(fail(new TimeoutError(`leadership transfer from ${this.id} to ${t.to} did not complete`)));
      } else continue;
      this.transfers.splice(i, 1);
    }
  }

  // ---------------------------------------------------------------- observation

  private maybeObserve(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastObservationAt < this.opts.observeEveryMs) return;
    if (!force && !this.observationDirty && now - this.lastObservationAt < this.opts.observeEveryMs * 10)
      return;
    this.emitObservation(null);
  }

  /**
   * Observation for the split-brain monitor; `checkpoint` reports `hash` exactly at that applied
   * index. Other observations of a machine without hash() carry none (it would cost a snapshot).
   */
  private emitObservation(checkpoint: number | null, hash?: string): void {
    const st = this.node.status();
    const now = Date.now();
    this.host.emit({
      type: 'observation',
      observation: {
        node: this.id,
        at: now,
        role: st.role,
        term: st.term,
        leader: st.leader,
        commitIndex: st.commitIndex,
        appliedIndex: checkpoint ?? this.sm.appliedIndex,
        stateHash: hash ?? (this.sm.derivesHash ? null : this.sm.hash()),
        leaseUntil: this.leaseWallClock(st.leaseUntilTick, st.tick, now),
        epoch: this.opts.epoch,
      },
    });
    if (checkpoint === null) {
      this.lastObservationAt = now;
      this.observationDirty = false;
    }
  }

  private leaseWallClock(untilTick: number | null, tick: number, now: number): number | null {
    if (untilTick === null || untilTick <= tick) return null;
    return now + (untilTick - tick) * this.opts.tickMs;
  }

  status(): Reply<RuntimeNodeStatus> {
    const st = this.node.status();
    const c = this.counters;
    const direct = this.host.directTraffic?.();
    // Core's status, copied (it crosses threads), minus what is reported in the runtime's own form below.
    const { leaseUntilTick, snapshotsInstalled, snapshotsRejected, incomingSnapshot, liveness, ...core } =
      structuredClone(st);
    return ok({
      ...core,
      appliedIndex: this.sm.appliedIndex,
      incarnation: this.storage.incarnation,
      lease: this.leaseWallClock(leaseUntilTick, st.tick, Date.now()),
      stateHash: this.sm.hash(),
      snapshots: this.snapshots.status(st),
      epoch: this.opts.epoch,
      uptimeMs: performance.now() - this.startedAt,
      storage: this.storage.stats(),
      errors: {
        decode: c.decode,
        invalid: c.invalid,
        framing: c.framing,
        misrouted: c.misrouted,
        spoofed: c.spoofed,
        last: this.lastError,
      },
      traffic: {
        batchesIn: c.batchesIn,
        framesIn: c.framesIn,
        batchesOut: c.batchesOut,
        framesOut: c.framesOut,
        directBatchesOut: direct?.batchesOut ?? 0,
        directBatchesIn: direct?.batchesIn ?? 0,
        readies: c.readies,
        sentBeforePersist: c.sentBeforePersist,
      },
      proposals: {
        pending: this.proposals.pending,
        committed: this.proposals.committed,
        dropped: this.proposals.dropped,
      },
      reads: { pending: this.reads.pending, served: this.reads.served, dropped: this.reads.dropped },
      hashChecks: { ...this.hashChecks },
      failed: this.failed === null ? null : { ...this.failed },
      tickMs: this.opts.tickMs,
      liveness: liveness.map((l) => ({
        ...l,
        lastContactAgoMs:
          l.lastContactTick === null ? null : (st.tick - l.lastContactTick) * this.opts.tickMs,
        rttMeanMs: l.rtt === null ? null : l.rtt.mean * this.opts.tickMs,
      })),
      memory: isolateMemory(),
    });
  }

  // ---------------------------------------------------------------- quarantine and test hooks

  /** Test hook: flip one applied value in the state machine, bypassing the log (KV store only). */
  injectCorruption(key?: string): Reply<CorruptionResult> {
    if (this.stopped) return fail(new NodeStoppedError(this.id));
    const sm = this.sm as RuntimeStateMachine & { corruptForTesting?: (key?: string) => unknown };
    if (typeof sm.corruptForTesting !== 'function') {
      return fail(new InvalidRequestError('this state machine has no corruptForTesting hook'));
    }
    if (key !== undefined && typeof key !== 'string') {
      return fail(new InvalidRequestError('injectCorruption expects a string key'));
    }
    try {
      const c = sm.corruptForTesting(key) as { key: string; before: string | null; after: string };
      this.observationDirty = true;
      return ok({ key: c.key, before: c.before, after: c.after, index: this.sm.appliedIndex });
    } catch (err) {
      return fail(err instanceof RangeError ? new InvalidRequestError(err.message) : err);
    }
  }

  /** Host quarantine: no reads, no lease, hand leadership over (core's `quarantine`). */
  quarantine(reason: string): Reply<void> {
    if (this.stopped) return fail(new NodeStoppedError(this.id));
    if (typeof reason !== 'string' || reason.length === 0) {
      return fail(new InvalidRequestError('quarantine needs a reason'));
    }
    this.node.quarantine(reason);
    this.kick();
    return ok(undefined);
  }

  releaseQuarantine(): Reply<void> {
    if (this.stopped) return fail(new NodeStoppedError(this.id));
    this.node.releaseQuarantine();
    this.kick();
    return ok(undefined);
  }

  // ---------------------------------------------------------------- side work

  snapshotState(): Reply<StateSnapshot> {
    const index = this.sm.appliedIndex;
    // Applied entries are in the log or behind the latest snapshot, whose index and term storage keeps.
    return ok({
      index,
      term: index === 0 ? 0 : this.storage.term(index),
      conf: this.node.confStateAt(index),
      hash: this.sm.hash(),
      data: this.sm.snapshot(),
    });
  }

  /** Recompute the state hash from a snapshot on the shared pool and compare it with the incremental one. */
  async verifyStateHash(): Promise<Reply<HashCheckResult>> {
    const side = this.host.side;
    if (!side) return fail(new InvalidRequestError('no side-work pool attached'));
    if (this.stopped) return fail(new NodeStoppedError(this.id));
    const index = this.sm.appliedIndex;
    const incremental = this.sm.hash();
    const snapshot = this.sm.snapshot();
    this.hashCheckPace.ran(this.appliedBytes, snapshot.byteLength);
    this.hashCheckRunning = true;
    try {
      const owned = snapshot.byteOffset === 0 && snapshot.byteLength === snapshot.buffer.byteLength;
      const r = await side.run(
        { kind: 'stateHash', machine: this.opts.machine, snapshot, expected: incremental },
        owned ? [snapshot.buffer as ArrayBuffer] : [],
      );
      if (r.kind !== 'stateHash') throw new Error('unexpected side-work result');
      this.hashChecks.runs++;
      this.hashChecks.lastIndex = index;
      if (!r.ok) {
        this.hashChecks.mismatches++;
        this.host.emit({
          type: 'alert',
          alert: {
            kind: 'divergence',
            severity: 'safety',
            at: Date.now(),
            nodes: [this.id],
            term: null,
            index,
            duration: null,
            message: `node ${this.id}: ${r.message ?? 'state hash mismatch'} at applied index ${index}`,
          },
        });
      }
      return ok({ index, incremental, full: r.full, ok: r.ok, message: r.message });
    } catch (err) {
      return fail(err);
    } finally {
      this.hashCheckRunning = false;
    }
  }

  // ---------------------------------------------------------------- shutdown

  private fatal(err: unknown): void {
    this.host.emit({ type: 'fatal', error: toWireError(err) });
    void this.stop();
  }

  /** Stop ticking, answer every waiter with NodeStoppedError, then flush and close storage. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopWork();
    this.stopping = this.storage.close();
    return this.stopping;
  }

  /** Stop ticking and processing, and answer every waiter with NodeStoppedError. */
  private stopWork(): void {
    this.stopped = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = null;
    const stoppedReply = fail(new NodeStoppedError(this.id));
    this.proposals.failAll(stoppedReply);
    this.reads.failAll(stoppedReply);
    for (const t of this.transfers) t.resolve(stoppedReply);
    this.transfers.length = 0;
    this.confChanges.failAll(stoppedReply);
  }
}

/** A confirmed divergence reported by the RaftNode, as a cluster alert naming the node and the index. */

/** The worker's own heap (getHeapStatistics is per isolate; process.memoryUsage is the whole process). */
function isolateMemory(): RuntimeNodeStatus['memory'] {
  const h = getHeapStatistics();
  return {
    heapUsedBytes: h.used_heap_size,
    heapTotalBytes: h.total_heap_size,
    externalBytes: h.external_memory,
  };
}
