/**
 * The configuration a node acts on, derived from its log (Raft thesis §4.1):
 * a node uses the newest configuration in its log, committed or not, from the
 * moment the entry is appended. When a suffix of the log is replaced, the
 * configurations in it are forgotten and the previous one is in force again.
 *
 * Kept as a base configuration (at `baseIndex`: the snapshot or the start)
 * plus the ConfChange entries after it, each carrying the whole configuration
 * it produces (see conf-change.ts). Only membership entries are held, and
 * those at or below the applied index are folded into the base.
 */
import { decodeConfChange } from './conf-change.js';
import { copyConf, sameConf } from './conf-state.js';
import { RaftError } from './errors.js';
import type { Storage } from './storage.js';
import { type ConfState, type Entry, EntryType } from './types.js';

interface Change {
  readonly index: number;
  readonly conf: ConfState;
}

/** Read the configuration a ConfChange entry produces; a malformed one in our own log is a storage fault. */
export function confOfEntry(e: Entry): ConfState {
  try {
    return decodeConfChange(e.data).conf;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new RaftError('STORAGE', `conf change entry ${e.index} is malformed: ${detail}`);
  }
}

export class Membership {
  private base: ConfState;
  private baseIndex: number;
  private changes: Change[] = [];

  constructor(base: ConfState, baseIndex: number) {
    this.base = copyConf(base);
    this.baseIndex = baseIndex;
  }

  /** Rebuild from storage at startup: `base` is the configuration at the log's start, then every ConfChange entry in it. */
  static fromStorage(base: ConfState, storage: Storage): Membership {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    const m = new Membership(base, first - 1);
    for (let lo = first; lo <= last; ) {
      const batch = storage.entries(lo, last + 1, 4 * 1024 * 1024);
      m.onAppend(batch);
      lo += batch.length;
    }
    return m;
  }

  /** The configuration in force: the newest in the log. */
  get conf(): ConfState {
    return this.changes.length > 0 ? this.changes[this.changes.length - 1].conf : this.base;
  }

  /** Index of the newest ConfChange entry in the log, or the base index when none follows it. */
  get lastChangeIndex(): number {
    return this.changes.length > 0 ? this.changes[this.changes.length - 1].index : this.baseIndex;
  }

  /**
   * Entries were appended to the log, replacing whatever followed
   * `entries[0].index - 1`. Returns true when the configuration in force changed.
   */
  onAppend(entries: readonly Entry[]): boolean {
    if (entries.length === 0) return false;
    const before = this.conf;
    const from = entries[0].index;
    while (this.changes.length > 0 && this.changes[this.changes.length - 1].index >= from) this.changes.pop();
    for (const e of entries) {
      if (e.type === EntryType.ConfChange) this.changes.push({ index: e.index, conf: confOfEntry(e) });
    }
    return !sameConf(before, this.conf);
  }

  /** A snapshot replaced the log: its configuration is the new base. */
  reset(conf: ConfState, index: number): void {
    this.base = copyConf(conf);
    this.baseIndex = index;
    this.changes = [];
  }

  /** The configuration in force at log index `index`, or null when it is older than what is kept. */
  confAt(index: number): ConfState | null {
    if (index < this.baseIndex) return null;
    let conf = this.base;
    for (const c of this.changes) {
      if (c.index > index) break;
      conf = c.conf;
    }
    return copyConf(conf);
  }

  /** Entries up to `index` are applied (so can never be replaced): fold their changes into the base. */
  foldTo(index: number): void {
    let n = 0;
    while (n < this.changes.length && this.changes[n].index <= index) n++;
    if (n === 0) return;
    this.base = this.changes[n - 1].conf;
    this.baseIndex = this.changes[n - 1].index;
    this.changes = this.changes.slice(n);
  }
}
