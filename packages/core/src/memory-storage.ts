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
import { CompactedError, RaftError, UnavailableError } from './errors.js';
import type { SnapshotStorage } from './storage.js';
import type { ConfState, Entry, HardState, Snapshot } from './types.js';

/** Undo records for log writes made since the last sync, replayed backwards by crashAndRecover. */
type LogUndo =
  | { readonly kind: 'append'; readonly at: number; readonly removed: readonly Entry[] }
  | { readonly kind: 'replace'; readonly ents: readonly Entry[] };

const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: null, commit: 0 });

export interface MemoryStorageInit {
  readonly hardState?: HardState;
  readonly confState?: ConfState | null;
  readonly snapshot?: Snapshot | null;
  /** Entries following the snapshot (or starting at index 1). */
  readonly entries?: readonly Entry[];
}

export class MemoryStorage implements SnapshotStorage {
  private hard: HardState = EMPTY_HARD_STATE;
  private conf: ConfState | null = null;
  private snap: Snapshot | null = null;
  /** ents[0] is a dummy carrying the index and term of the last compacted entry (the snapshot's). */
  private ents: Entry[] = [dummyEntry(0, 0)];

  private syncedHard: HardState = EMPTY_HARD_STATE;
  private syncedConf: ConfState | null = null;
  private syncedSnap: Snapshot | null = null;
  private undo: LogUndo[] = [];

  /** Initial contents count as synced. */
  constructor(init: MemoryStorageInit = {}) {
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

  firstIndex(): number {
    return this.ents[0].index + 1;
  }

  lastIndex(): number {
    return this.ents[0].index + this.ents.length - 1;
  }

  term(index: number): number {
    const offset = this.ents[0].index;
    if (index < offset) throw new CompactedError(index);
    if (index > this.lastIndex()) throw new UnavailableError(index);
    return this.ents[index - offset].term;
  }

  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    const offset = this.ents[0].index;
    if (lo <= offset) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1);
    if (lo >= hi) return [];
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - offset];
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
    if (entries.length === 0) return;
    for (let i = 1; i < entries.length; i++) {
      if (entries[i].index !== entries[i - 1].index + 1) {
        throw new RaftError('STORAGE', `entries are not contiguous at index ${entries[i].index}`);
      }
    }
    const offset = this.ents[0].index;
    const last = this.lastIndex();
    let batch = entries;
    if (batch[batch.length - 1].index <= offset) return;
    if (batch[0].index <= offset) batch = batch.slice(offset + 1 - batch[0].index);
    const first = batch[0].index;
    if (first > last + 1) {
      throw new RaftError('STORAGE', `append at ${first} would leave a gap after last index ${last}`);
    }
    const at = first - offset;
    const removed = this.ents.splice(at);
    for (const e of batch) this.ents.push(e);
    this.undo.push({ kind: 'append', at, removed });
  }

  /** Replace everything with a snapshot (a follower catching up from its leader). */
  applySnapshot(snapshot: Snapshot): void {
    const current = this.snap?.meta.index ?? this.ents[0].index;
    if (snapshot.meta.index < current) {
      throw new RaftError('STORAGE', `snapshot at ${snapshot.meta.index} is older than ${current}`);
    }
    this.undo.push({ kind: 'replace', ents: this.ents });
    this.ents = [dummyEntry(snapshot.meta.index, snapshot.meta.term)];
    this.snap = snapshot;
    this.conf = copyConf(snapshot.meta.conf);
  }

  /**
   * Record a snapshot of the state machine as of applied `index` (does not
   * compact). Unsynced until sync(), like every write: a crash before it
   * leaves the previous snapshot.
   */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    const current = this.snap?.meta.index ?? 0;
    if (index <= current) throw new RaftError('STORAGE', `snapshot at ${index} is not newer than ${current}`);
    if (index > this.lastIndex()) throw new UnavailableError(index);
    const snap: Snapshot = {
      meta: {
        index,
        term: this.term(index),
        conf: copyConf(conf),
      },
      data,
    };
    this.snap = snap;
    return snap;
  }

  /**
   * Discard entries up to `index`; `index` itself becomes the dummy (its term
   * stays known). Once a snapshot exists, compaction may not pass it: the
   * entries in between would exist nowhere. (A storage that never had a
   * snapshot is not checked: tests build such logs by hand.) Unsynced until
   * sync(): a crash before it gets the compacted entries back.
   */
  compact(index: number): void {
    const offset = this.ents[0].index;
    if (index <= offset) return;
    if (index > this.lastIndex()) throw new UnavailableError(index);
    if (this.snap !== null && index > this.snap.meta.index) {
      throw new RaftError(
        'STORAGE',
        `cannot compact to ${index}: the latest snapshot is at ${this.snap.meta.index}`,
      );
    }
    this.undo.push({ kind: 'replace', ents: this.ents });
    const kept = this.ents.slice(index - offset);
    kept[0] = dummyEntry(index, kept[0].term);
    this.ents = kept;
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
    for (let i = this.undo.length - 1; i >= 0; i--) {
      const u = this.undo[i];
      if (u.kind === 'replace') {
        ents = u.ents.slice();
      } else {
        ents.length = u.at;
        for (const e of u.removed) ents.push(e);
      }
    }
    const recovered = new MemoryStorage();
    recovered.ents = ents;
    recovered.hard = this.syncedHard;
    recovered.conf = this.syncedConf;
    recovered.snap = this.syncedSnap;
    recovered.sync();
    return recovered;
  }

  /** All entries currently held (after the compaction point); for tests and invariant checkers. */
  allEntries(): Entry[] {
    return this.ents.slice(1);
  }
}

function dummyEntry(index: number, term: number): Entry {
  return { index, term, type: 0, data: EMPTY };
}

const EMPTY = new Uint8Array(0);
