import {
  CompactedError,
  type ConfState,
  copyConf,
  type Entry,
  type HardState,
  type Snapshot,
  UnavailableError,
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
export class MemoryDurableStorage implements DurableStorage {
  readonly kind = 'memory' as const;
  readonly path = null;
  private hard: HardState = { term: 0, vote: null, commit: 0 };
  private snap: Snapshot | null = null;
  /** The log holds (compactIndex, lastIndex]; compactTerm is the term at compactIndex. */
  private compactIndex = 0;
  private compactTerm = 0;
  private readonly log = new EntryWindow();
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
  ) {}

  initialState(): { hardState: HardState; confState: ConfState | null } {
    return { hardState: this.hard, confState: this.snap?.meta.conf ?? this.bootstrapConf };
  }
  firstIndex(): number {
    return this.compactIndex + 1;
  }
  lastIndex(): number {
    return this.log.length > 0 ? this.log.lastIndex : this.compactIndex;
  }
  term(index: number): number {
    if (index < this.compactIndex) throw new CompactedError(index);
    if (index > this.lastIndex()) throw new UnavailableError(index);
    if (index === this.compactIndex) return this.compactTerm;
    return (this.log.get(index) as Entry).term;
  }
  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    if (lo < this.firstIndex()) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1);
    if (lo >= hi) return [];
    return this.log.slice(lo, hi, maxBytes);
  }
  snapshot(): Snapshot | null {
    return this.snap;
  }

  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    const current = this.snap?.meta.index ?? 0;
    if (index <= current)
      throw new StorageError('inconsistent', 'memory', `snapshot at ${index} is not newer than ${current}`);
    if (index > this.lastIndex()) throw new UnavailableError(index);
    this.snap = {
      meta: {
        index,
        term: this.term(index),
        conf: copyConf(conf),
      },
      data,
    };
    this.snapshotsWritten++;
    return this.snap;
  }

  compact(index: number): void {
    if (index <= this.compactIndex) return;
    const snapIndex = this.snap?.meta.index ?? 0;
    if (index > snapIndex) {
      throw new StorageError(
        'inconsistent',
        'memory',
        `cannot compact to ${index}: the latest snapshot is at ${snapIndex}`,
      );
    }
    this.compactTerm = this.term(index);
    this.entriesCompacted += index - this.compactIndex;
    this.compactIndex = index;
    this.log.trimBefore(index + 1);
  }

  async flush(): Promise<void> {}

  async persist(batch: PersistBatch): Promise<void> {
    if (batch.snapshot) {
      this.snap = batch.snapshot;
      this.compactIndex = batch.snapshot.meta.index;
      this.compactTerm = batch.snapshot.meta.term;
      this.log.reset(batch.snapshot.meta.index + 1);
      this.snapshotsWritten++;
    }
    if (batch.entries.length > 0) {
      const first = batch.entries[0].index;
      if (first < this.firstIndex() || first > this.lastIndex() + 1) {
        throw new Error(
          `persist: entries start at ${first}, log holds [${this.firstIndex()}, ${this.lastIndex()}]`,
        );
      }
      if (first <= this.lastIndex()) this.entriesTruncated += this.lastIndex() - first + 1;
      if (this.log.length === 0) this.log.reset(first);
      this.log.append(batch.entries);
      this.entriesWritten += batch.entries.length;
      for (const e of batch.entries) this.bytesWritten += e.data.length;
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
