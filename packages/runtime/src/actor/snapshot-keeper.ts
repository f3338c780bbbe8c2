import type { ConfState, NodeStatus, RaftNode, Snapshot, SnapshotRejection } from '@raftkit/core';
import type { SnapshotEvent, SnapshotStatus } from '../control/api.js';
import { StorageError } from '../errors.js';
import type { RuntimeStateMachine } from '../machine/state-machine-spec.js';
import type { SnapshotCodec, UnpackedSnapshot } from '../side-work/snapshot-codec.js';
import type { SnapshotCompression } from '../snapshot/envelope.js';
import type { DurableStorage } from '../storage/durable-storage.js';
import { StatePace } from './state-pace.js';

/** The runtime's own snapshot settings (when to snapshot and chunk sizes are Raft tuning: ActorOptions.raft). */
export interface ActorSnapshotOptions {
  /** Entries kept in the log behind a new snapshot, so slightly lagging followers catch up from the log. */
  readonly catchUpEntries: number;
  readonly compression: SnapshotCompression;
  /** Compression level (deflate 0-9, brotli 0-11); undefined: the codec's default. */
  readonly level?: number;
  /** Pacing by the state's size (StatePace): a snapshot waits until the log since the last one holds this x its size. 0: off. */
  readonly stateRatio: number;
}

/**
 * Lowest applied index at which `RaftNode.confStateAt` is known to be right
 * for a node starting over `storage`. A node that joined a running cluster
 * bootstraps with the membership of the moment it joined (current voters,
 * itself a learner); for indices before the first ConfChange entry in its log
 * the core answers with that bootstrap membership, not what was in force
 * there, so a snapshot taken there would record the wrong membership. Such a
 * node takes no snapshot below the first ConfChange entry it applies or the
 * snapshot it stores. Read from the store, not the caller's `fallback`, so a
 * restart that no longer knows the node joined still recognises it.
 */
export function initialConfFloor(
  storage: Pick<DurableStorage, 'snapshot' | 'initialState'>,
  id: string,
  fallback: ConfState,
): number {
  const snap = storage.snapshot();
  if (snap) return snap.meta.index;
  const boot = storage.initialState().confState ?? fallback;
  return boot.learners.includes(id) ? Number.POSITIVE_INFINITY : 0;
}

interface Deps {
  readonly id: string;
  readonly storage: DurableStorage;
  readonly sm: RuntimeStateMachine;
  readonly codec: SnapshotCodec;
  readonly catchUpEntries: number;
  /** ActorSnapshotOptions.stateRatio. */
  readonly stateRatio: number;
  /** `initialConfFloor` of this start. */
  readonly confFloor: number;
  emit(event: SnapshotEvent): void;
  /** A failure the actor cannot continue from (storage write, codec). */
  fatal(err: unknown): void;
  /** A snapshot finished compressing: run the Ready loop so it gets stored. */
  kick(): void;
}

/** What restoreStored found: the stored snapshot's index and its size unpacked (0, 0: none). */
export interface RestoredSnapshot {
  readonly index: number;
  readonly rawBytes: number;
}

interface Packed {
  readonly index: number;
  readonly conf: ConfState;
  readonly rawBytes: number;
  readonly envelope: Uint8Array;
  readonly crc: number;
  readonly packMs: number;
}

/**
 * The actor's snapshots: take one when the core's policy says so (serialize
 * on the actor, compress and checksum on the side-work pool, then store it
 * and compact the log behind it), open a leader's snapshot before it is
 * installed, restore the state machine from the stored one at start.
 *
 * One snapshot at a time. A finished snapshot is stored only from the Ready
 * loop (`storeFinished`, never while a Ready is being persisted), and only if
 * no newer snapshot (one installed from the leader) overtook it.
 */
export class SnapshotKeeper {
  private busy = false;
  private finished: Packed | null = null;
  private taken = 0;
  private restoredAtStart = 0;
  private lastTaken: SnapshotStatus['lastTaken'] = null;
  /** No snapshot below this applied index: see initialConfFloor. */
  private confFloor: number;
  private readonly pace: StatePace;

  constructor(private readonly d: Deps) {
    this.confFloor = d.confFloor;
    this.pace = new StatePace(d.stateRatio);
  }

  /** A ConfChange entry at `index` was applied: the membership from there on is known. */
  onConfChangeApplied(index: number): void {
    this.confFloor = Math.min(this.confFloor, index);
  }

  /** Restore the state machine from the stored snapshot, if any (decompressed on the pool). Returns its index and raw size. */
  static async restoreStored(
    storage: DurableStorage,
    sm: RuntimeStateMachine,
    codec: SnapshotCodec,
  ): Promise<RestoredSnapshot> {
    const snap = storage.snapshot();
    if (!snap) return { index: 0, rawBytes: 0 };
    const where = storage.path ?? 'memory';
    let opened: UnpackedSnapshot;
    try {
      opened = await codec.unpack(snap.data);
    } catch (err) {
      throw new StorageError(
        'corrupt',
        where,
        `stored snapshot at ${snap.meta.index}: ${(err as Error).message}`,
      );
    }
    try {
      sm.restore(opened.data);
    } catch (err) {
      throw new StorageError(
        'corrupt',
        where,
        `the state machine refused the stored snapshot at ${snap.meta.index}: ${(err as Error).message}`,
      );
    }
    if (sm.appliedIndex !== snap.meta.index) {
      throw new StorageError(
        'inconsistent',
        where,
        `stored snapshot at ${snap.meta.index} holds state applied to ${sm.appliedIndex}`,
      );
    }
    return { index: snap.meta.index, rawBytes: opened.data.byteLength };
  }

  noteRestoredAtStart(restored: RestoredSnapshot): void {
    this.restoredAtStart = restored.index;
    this.pace.ran(0, restored.rawBytes);
  }

  /** Once the actor runs (events before that are not delivered): say what it was restored from. */
  announceRestored(): void {
    if (this.restoredAtStart > 0) this.emit('restored', this.d.storage.snapshot());
  }

  /**
   * After advance(): start a snapshot of the state machine if the policy says
   * one is due and the log since the last one is large enough for the state's
   * size (`appliedBytes`: the running total of entry bytes applied; StatePace).
   */
  maybeTake(node: RaftNode, appliedBytes: number): void {
    if (this.busy || !node.snapshotDue() || !this.pace.due(appliedBytes)) return;
    const { sm, codec } = this.d;
    const index = sm.appliedIndex;
    if (index < this.confFloor) return;
    // The configuration at `index`, taken now: it is what the snapshot's metadata must say.
    const conf = node.confStateAt(index);
    const raw = sm.snapshot();
    const rawBytes = raw.byteLength;
    this.pace.ran(appliedBytes, rawBytes);
    this.busy = true;
    codec.pack(raw).then(
      (p) => {
        this.finished = { index, conf, rawBytes, envelope: p.envelope, crc: p.crc, packMs: p.ms };
        this.d.kick();
      },
      (err: unknown) => {
        this.busy = false;
        this.d.fatal(err);
      },
    );
  }

  get hasFinished(): boolean {
    return this.finished !== null;
  }

  /**
   * From the Ready loop, with no persist in flight: store a finished
   * snapshot and compact the log behind it (one LMDB transaction, written by
   * flush()). Dropped if a snapshot installed meanwhile is at least as new.
   */
  storeFinished(): void {
    const f = this.finished;
    if (!f) return;
    this.finished = null;
    const { storage } = this.d;
    const current = storage.snapshot()?.meta.index ?? 0;
    if (f.index <= current || f.index > storage.lastIndex()) {
      this.busy = false;
      return;
    }
    const snap = storage.createSnapshot(f.index, f.conf, f.envelope, f.crc);
    const base = storage.firstIndex() - 1;
    const compactTo = Math.max(base, f.index - this.d.catchUpEntries);
    if (compactTo > base) storage.compact(compactTo);
    storage.flush().then(
      () => {
        this.busy = false;
        this.taken++;
        this.lastTaken = {
          index: f.index,
          rawBytes: f.rawBytes,
          storedBytes: f.envelope.byteLength,
          packMs: f.packMs,
        };
        this.emit('taken', snap);
      },
      (err: unknown) => this.d.fatal(err),
    );
  }

  /**
   * Open a leader's snapshot (Ready.snapshot) before anything is persisted:
   * decompress and verify it on the pool, then restore the state machine from
   * it. A snapshot that does not open or that the state machine refuses is
   * thrown (the actor stops: the core has already accepted it, and nothing
   * was written, so a restart finds the old state). Returns the envelope's CRC
   * for the storage record.
   */
  async openAndRestore(snap: Snapshot, appliedBytes: number): Promise<number> {
    const opened = await this.d.codec.unpack(snap.data);
    this.d.sm.restore(opened.data);
    this.pace.ran(appliedBytes, opened.data.byteLength);
    if (this.d.sm.appliedIndex !== snap.meta.index) {
      throw new Error(
        `leader's snapshot at ${snap.meta.index} holds state applied to ${this.d.sm.appliedIndex}`,
      );
    }
    return opened.crc;
  }

  onInstalled(snap: Snapshot): void {
    this.confFloor = Math.min(this.confFloor, snap.meta.index);
    this.emit('installed', snap);
  }

  onRejected(r: SnapshotRejection): void {
    this.d.emit({
      node: this.d.id,
      at: Date.now(),
      kind: 'rejected',
      index: r.index,
      term: r.snapshotTerm,
      bytes: r.totalBytes,
      rejection: { ...r },
    });
  }

  status(st: NodeStatus): SnapshotStatus {
    const snap = this.d.storage.snapshot();
    return {
      index: snap?.meta.index ?? 0,
      term: snap?.meta.term ?? 0,
      firstIndex: this.d.storage.firstIndex(),
      taken: this.taken,
      installed: st.snapshotsInstalled,
      rejected: st.snapshotsRejected,
      restoredAtStart: this.restoredAtStart,
      lastTaken: this.lastTaken,
      incoming: st.incomingSnapshot ? { ...st.incomingSnapshot } : null,
      codec: this.d.codec.where,
    };
  }

  private emit(kind: 'taken' | 'installed' | 'restored', snap: Snapshot | null): void {
    if (!snap) return;
    this.d.emit({
      node: this.d.id,
      at: Date.now(),
      kind,
      index: snap.meta.index,
      term: snap.meta.term,
      bytes: snap.data.byteLength,
    });
  }
}
