import {
  type ConfState,
  copyConf,
  type Entry,
  type HardState,
  LogWindow,
  type Snapshot,
  WindowedStorage,
} from '@raftkit/core';
import { StorageError } from '../errors.js';
import type { DurableStorage, PersistBatch, StorageStats } from './durable-storage.js';
import { EntryWindow } from './entry-window.js';
import { newIncarnation } from './incarnation.js';

/**
 * Storage that lives in the actor's memory: "durable" for as long as the
 * worker lives. For tests and benchmarks; a killed node loses everything, so
 * the cluster refuses to restart a memory node (it could vote twice).
 */
export class MemoryDurableStorage extends WindowedStorage implements DurableStorage {
  readonly kind = 'memory' as const;
  readonly path = null;
  private hard: HardState = { term: 0, vote: null, commit: 0 };
  private snap: Snapshot | null = null;
  /** The entries (compactIndex, lastIndex]; the bounds and their rules are core's LogWindow. */
  private readonly log = new EntryWindow();
  protected readonly window = new LogWindow(
    (index) => (this.log.get(index) as Entry).term,
    (detail) => new StorageError('inconsistent', 'memory', detail),
  );
  private batches = 0;
  private entriesWritten = 0;
  private bytesWritten = 0;
  private entriesTruncated = 0;
  private snapshotsWritten = 0;
  private entriesCompacted = 0;

  /**
   * `bootstrapConf`: the membership a node joining a running cluster starts with.
   * `incarnation`: the store's identity (default: a random one).
   */
  constructor(
    private readonly bootstrapConf: ConfState | null = null,
    readonly incarnation: number = newIncarnation(),
  ) {
    super();
  }

  initialState(): { hardState: HardState; confState: ConfState | null } {
    return { hardState: this.hard, confState: this.snap?.meta.conf ?? this.bootstrapConf };
  }
  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    return this.window.readable(lo, hi) ? this.log.slice(lo, hi, maxBytes) : [];
  }
  snapshot(): Snapshot | null {
    return this.snap;
  }

  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    const term = this.window.recordSnapshot(index);
    this.snap = { meta: { index, term, conf: copyConf(conf) }, data };
    this.snapshotsWritten++;
    return this.snap;
  }

  compact(index: number): void {
    const from = this.window.compactIndex;
    if (!this.window.compactTo(index)) return;
    this.entriesCompacted += index - from;
    this.log.trimBefore(index + 1);
  }

  async flush(): Promise<void> {}

  async persist(batch: PersistBatch): Promise<void> {
    const installed = batch.snapshot;
    if (installed) this.window.checkInstall(installed.meta.index);
    const entries = this.window.appendable(batch.entries, installed?.meta ?? null);
    if (installed) {
      this.snap = installed;
      this.window.installed(installed.meta.index, installed.meta.term);
      this.log.reset(installed.meta.index + 1);
      this.snapshotsWritten++;
    }
    if (entries.length > 0) {
      const first = entries[0].index;
      const last = this.window.lastIndex();
      if (first <= last) this.entriesTruncated += last - first + 1;
      if (this.log.length === 0) this.log.reset(first);
      this.log.append(entries);
      this.window.appended(entries[entries.length - 1].index);
      this.entriesWritten += entries.length;
      for (const e of entries) this.bytesWritten += e.data.length;
    }
    if (batch.hardState) this.hard = batch.hardState;
    this.batches++;
  }

  stats(): StorageStats {
    return {
      kind: 'memory',
      batches: this.batches,
      entriesWritten: this.entriesWritten,
      bytesWritten: this.bytesWritten,
      entriesTruncated: this.entriesTruncated,
      meanPersistMs: 0,
      cacheMisses: 0,
      snapshotsWritten: this.snapshotsWritten,
      entriesCompacted: this.entriesCompacted,
    };
  }
  async close(): Promise<void> {}
}
