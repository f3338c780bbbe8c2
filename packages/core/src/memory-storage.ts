/**
 * In-memory Storage with an explicit durability boundary.
 *
 * Writes (append, setHardState, setConfState, applySnapshot, createSnapshot,
 * compact) take effect immediately for readers but stay "unsynced" until
 * `sync()`. `crashAndRecover()` returns a fresh MemoryStorage holding only
 * what was synced: this is how the simulator models a crash that loses the
 * writes the OS had not flushed yet. Undoing unsynced log writes is O(change),
 * so sync() stays cheap however long the log is.
 */

import { copyConf } from './conf-state.js';
import { LogWindow, WindowedStorage } from './log-window.js';
import type { SnapshotStorage } from './storage.js';
import type { ConfState, Entry, HardState, Snapshot } from './types.js';

/** Undo records for log writes made since the last sync, replayed backwards by crashAndRecover. */
type LogUndo =
  | { readonly kind: 'append'; readonly at: number; readonly removed: readonly Entry[] }
  | {
      readonly kind: 'replace';
      readonly ents: readonly Entry[];
      readonly compactIndex: number;
      readonly compactTerm: number;
    };

const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: null, commit: 0 });

export interface MemoryStorageInit {
  readonly hardState?: HardState;
  readonly confState?: ConfState | null;
  readonly snapshot?: Snapshot | null;
  /** Entries following the snapshot (or starting at index 1). */
  readonly entries?: readonly Entry[];
}

export class MemoryStorage extends WindowedStorage implements SnapshotStorage {
  private hard: HardState = EMPTY_HARD_STATE;
  private conf: ConfState | null = null;
  private snap: Snapshot | null = null;
  /** The entries (compactIndex, lastIndex] of the window. */
  private ents: Entry[] = [];
  /** Bounds and their rules (shared with the runtime's stores). */
  protected readonly window: LogWindow = new LogWindow(
    (index) => this.ents[index - this.window.firstIndex()].term,
  );

  private syncedHard: HardState = EMPTY_HARD_STATE;
  private syncedConf: ConfState | null = null;
  private syncedSnap: Snapshot | null = null;
  private undo: LogUndo[] = [];

  /** Initial contents count as synced. */
  constructor(init: MemoryStorageInit = {}) {
    super();
    if (init.snapshot) this.applySnapshot(init.snapshot);
    if (init.confState !== undefined) this.conf = init.confState;
    if (init.entries && init.entries.length > 0) this.append(init.entries);
    if (init.hardState) this.setHardState(init.hardState);
    this.sync();
  }

  // ---- Storage (reads) ----------------------------------------------------

  initialState(): { hardState: HardState; confState: ConfState | null } {
    return { hardState: this.hard, confState: this.conf ?? this.snap?.meta.conf ?? null };
  }

  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    if (!this.window.readable(lo, hi)) return [];
    const first = this.window.firstIndex();
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - first];
      bytes += e.data.byteLength;
      if (out.length > 0 && maxBytes !== undefined && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  snapshot(): Snapshot | null {
    return this.snap;
  }

  // ---- writes (unsynced until sync()) --------------------------------------

  /** Persist the hard state (term, vote, commit). */
  setHardState(hs: HardState): void {
    this.hard = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  /**
   * Record the bootstrap membership. Later changes need no call: they live in
   * the log (ConfChange entries) and in snapshots' metadata, and the node
   * rebuilds the configuration in force from those on restart.
   */
  setConfState(conf: ConfState | null): void {
    this.conf = conf ? copyConf(conf) : null;
  }

  /**
   * Append entries, first truncating any existing suffix at `entries[0].index`
   * (a conflicting tail written under an older leader). Entries at or below
   * the compaction point are skipped.
   */
  append(entries: readonly Entry[]): void {
    const batch = this.window.appendable(entries);
    if (batch.length === 0) return;
    const at = batch[0].index - this.window.firstIndex();
    const removed = this.ents.splice(at);
    for (const e of batch) this.ents.push(e);
    this.undo.push({ kind: 'append', at, removed });
    this.window.appended(batch[batch.length - 1].index);
  }

  /** Replace everything with a snapshot (a follower catching up from its leader). */
  applySnapshot(snapshot: Snapshot): void {
    this.window.checkInstall(snapshot.meta.index);
    this.undo.push(this.replaceUndo());
    this.ents = [];
    this.window.installed(snapshot.meta.index, snapshot.meta.term);
    this.snap = snapshot;
    this.conf = copyConf(snapshot.meta.conf);
  }

  /**
   * Record a snapshot of the state machine as of applied `index` (does not
   * compact). Unsynced until sync(), like every write: a crash before it
   * leaves the previous snapshot.
   */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    const term = this.window.recordSnapshot(index);
    const snap: Snapshot = { meta: { index, term, conf: copyConf(conf) }, data };
    this.snap = snap;
    return snap;
  }

  /**
   * Discard entries up to `index`; `index` becomes the compaction point (its
   * term stays known). Compaction may not pass the latest snapshot (LogWindow):
   * the entries in between would exist nowhere. Unsynced until sync(): a
   * crash before it gets the compacted entries back.
   */
  compact(index: number): void {
    const from = this.window.firstIndex();
    const undo = this.replaceUndo();
    if (!this.window.compactTo(index)) return;
    this.undo.push(undo);
    this.ents = this.ents.slice(index + 1 - from);
  }

  private replaceUndo(): LogUndo {
    return {
      kind: 'replace',
      ents: this.ents,
      compactIndex: this.window.compactIndex,
      compactTerm: this.window.compactTerm,
    };
  }

  /** Everything written so far becomes durable. */
  sync(): void {
    this.syncedHard = this.hard;
    this.syncedConf = this.conf;
    this.syncedSnap = this.snap;
    this.undo = [];
  }

  /** True when some write would be lost by a crash now. */
  hasUnsyncedWrites(): boolean {
    return (
      this.undo.length > 0 ||
      this.hard !== this.syncedHard ||
      this.conf !== this.syncedConf ||
      this.snap !== this.syncedSnap
    );
  }

  /** A new storage holding only the synced state, as a node would find it after a crash. */
  crashAndRecover(): MemoryStorage {
    let ents = this.ents.slice();
    let compactIndex = this.window.compactIndex;
    let compactTerm = this.window.compactTerm;
    for (let i = this.undo.length - 1; i >= 0; i--) {
      const u = this.undo[i];
      if (u.kind === 'replace') {
        ents = u.ents.slice();
        compactIndex = u.compactIndex;
        compactTerm = u.compactTerm;
      } else {
        ents.length = u.at;
        for (const e of u.removed) ents.push(e);
      }
    }
    const recovered = new MemoryStorage();
    recovered.ents = ents;
    const snap = this.syncedSnap?.meta ?? null;
    recovered.window.restore({
      compactIndex,
      compactTerm,
      lastIndex: compactIndex + ents.length,
      snapshot: snap && { index: snap.index, term: snap.term },
    });
    recovered.hard = this.syncedHard;
    recovered.conf = this.syncedConf;
    recovered.snap = this.syncedSnap;
    recovered.sync();
    return recovered;
  }

  /** All entries currently held (after the compaction point); for tests and invariant checkers. */
  allEntries(): Entry[] {
    return this.ents.slice();
  }
}
