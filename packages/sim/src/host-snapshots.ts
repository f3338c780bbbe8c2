/**
 * The snapshot side of one simulated host (SimNode): taking snapshots of the
 * state machine and compacting the log, restoring the state machine from a
 * snapshot (installed from the leader, or read back at a restart), and the
 * bookkeeping around them. The order is the core's: a received snapshot is
 * persisted (applySnapshot) and synced before the messages go out, then the
 * state machine is restored, then later entries are applied; a snapshot the
 * host takes (createSnapshot + compact) is an unsynced write until the next
 * sync, so a crash before it loses it.
 */
import type { KvStateMachine, MemoryStorage, NodeId, RaftNode, Snapshot } from '@raftkit/core';
import type { InvariantSuite } from './invariants/index.js';

/** What the snapshot keeper needs from its host. */
export interface SnapshotHost {
  readonly id: NodeId;
  readonly sm: KvStateMachine;
  readonly storage: MemoryStorage;
  readonly env: { readonly now: number; readonly invariants: InvariantSuite; log(text: () => string): void };
}

export class HostSnapshots {
  /** Snapshots taken, installed from a leader, restored at a restart (all lives of the node). */
  readonly stats = { taken: 0, installed: 0, restoredAtStart: 0 };
  /** A snapshot was asked for (nemesis): taken at the next moment no sync is pending. */
  private requested = false;
  /** A snapshot this host took is not synced yet (a crash now loses it). */
  private unsynced = false;
  /**
   * Lowest index at which `confStateAt` is known to be right. A node that joined
   * a running cluster bootstraps with the configuration of the moment it joined
   * (as the core documents); for indices before the first ConfChange entry in
   * its log the core answers with that bootstrap configuration, which is not
   * what was in force there. A snapshot there would carry the wrong
   * membership, so this host takes none below the first ConfChange entry it
   * applied (or the snapshot it restored). Initial voters: 0.
   */
  private floor = 0;

  constructor(
    private readonly host: SnapshotHost,
    /** After a snapshot at i the log is compacted to i - compactionTail. */
    private readonly compactionTail: number,
  ) {}

  /** True while a snapshot this host took waits for the next sync. */
  get unsyncedSnapshot(): boolean {
    return this.unsynced;
  }

  /**
   * A (re)start: restores the state machine from the storage's snapshot, if
   * any; `joined`: the node bootstrapped to join a running cluster.
   */
  onStart(joined: boolean): void {
    const h = this.host;
    const snap = h.storage.snapshot();
    this.floor = joined ? (snap?.meta.index ?? Number.POSITIVE_INFINITY) : 0;
    this.requested = false;
    this.unsynced = false;
    if (snap === null) return;
    h.sm.restore(snap.data);
    this.stats.restoredAtStart++;
    h.env.invariants.snapshots.onRestored(h.id, snap.meta.index, h.sm.appliedIndex, h.sm.hash(), h.env.now);
  }

  onSynced(): void {
    this.unsynced = false;
  }

  onCrash(): void {
    this.requested = false;
    this.unsynced = false;
  }

  /** A ConfChange entry at `index` was applied: configurations from there on are known. */
  onConfChangeApplied(index: number): void {
    this.floor = Math.min(this.floor, index);
  }

  /** Step 3 for a snapshot received from the leader: it replaces the whole state machine. */
  restore(raft: RaftNode, snap: Snapshot): void {
    const h = this.host;
    const inv = h.env.invariants;
    const index = snap.meta.index;
    h.sm.restore(snap.data);
    this.stats.installed++;
    this.floor = Math.min(this.floor, index);
    h.env.log(() => `${h.id} restored snapshot at ${index} (term ${snap.meta.term})`);
    inv.snapshots.onRestored(h.id, index, h.sm.appliedIndex, h.sm.hash(), h.env.now);
    inv.membership.onSnapshotConf(h.id, index, snap.meta.conf, h.env.now);
    inv.stateMachines.onReset(h.id, index);
    if (raft.checkpointDue(index)) raft.reportCheckpoint(index, h.sm.hash());
  }

  /** Asks for a snapshot at the applied index at the next chance (`maybeTake`). */
  request(): void {
    this.requested = true;
  }

  /**
   * After advance(), with no sync pending: takes a snapshot at the applied
   * index when the policy (or a request) says so, then compacts the log.
   */
  maybeTake(raft: RaftNode): void {
    // Never while a leader's snapshot is pending: it replaces the state, and the membership below it is gone.
    if (raft.snapshotProgress().installing === true) return;
    if (!this.requested && !raft.snapshotDue()) return;
    this.requested = false;
    const h = this.host;
    const storage = h.storage;
    const index = h.sm.appliedIndex;
    if (index <= (storage.snapshot()?.meta.index ?? 0) || index < this.floor) return;
    const hash = h.sm.hash();
    const conf = raft.confStateAt(index);
    storage.createSnapshot(index, conf, h.sm.snapshot());
    this.stats.taken++;
    this.unsynced = true;
    const inv = h.env.invariants;
    inv.snapshots.onTaken(h.id, index, hash, h.env.now);
    inv.membership.onSnapshotConf(h.id, index, conf, h.env.now);
    const compactTo = index - this.compactionTail;
    if (compactTo >= storage.firstIndex()) storage.compact(compactTo);
    h.env.log(() => `${h.id} snapshot at ${index}, log compacted to ${storage.firstIndex() - 1} (unsynced)`);
  }
}
