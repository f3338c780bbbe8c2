import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompactedError,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
  UnavailableError,
} from '@raftkit/core';
import { type Database, open, type RootDatabase } from 'lmdb';
import { crc32 } from '../crc32.js';
import { StorageError } from '../errors.js';
import type { DurableStorage, PersistBatch, StorageStats } from './durable-storage.js';
import { decodeEntryRecord, encodeEntryRecord } from './entry-record.js';
import { EntryWindow } from './entry-window.js';
import { checkLmdbDataFile } from './lmdb-file-check.js';

/**
 * How persist() waits for durability:
 * - 'syncCommit': the environment is opened with overlappingSync:false, so a
 *   transaction's promise resolves only after LMDB synced it (default: faster
 *   here, see the README's measurements);
 * - 'flushed': overlappingSync on, then `await env.flushed`.
 */
export type LmdbDurability = 'syncCommit' | 'flushed';

export interface LmdbStorageOptions {
  /** Directory of this node's store. */
  readonly path: string;
  /** The node the store belongs to; a store of another node is refused. */
  readonly nodeId: string;
  /** 'createIfMissing' for a first start, 'mustExist' for a restart (a missing store is an error). */
  readonly mode: 'createIfMissing' | 'mustExist';
  readonly durability?: LmdbDurability;
  /** Recent entries kept in memory so RaftNode's reads stay off LMDB. Default 8192. */
  readonly cacheEntries?: number;
  /** Byte bound of that cache (entry data). Default 64 MiB. */
  readonly cacheBytes?: number;
}

const FORMAT_VERSION = 1;

interface FormatRecord {
  readonly version: number;
  readonly nodeId: string;
}
interface SnapshotRecord {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
  readonly crc: number;
  readonly data: Uint8Array;
}

/**
 * Durable Raft storage on LMDB (lmdb-js). Two named databases: `log`
 * (index -> CRC-checked entry record) and `meta` (format marker, hard state,
 * snapshot). All writes of one Ready go into one transaction; reads are
 * synchronous and served from an in-memory tail cache when possible.
 *
 * Opening validates the store end to end (file size against LMDB's meta
 * pages, format marker, every record's CRC, log contiguity, hard state
 * against the log) and throws a `StorageError` naming the path on any
 * problem: a damaged store never becomes a silently empty node.
 */
export class LmdbStorage implements DurableStorage {
  readonly kind = 'lmdb' as const;
  readonly path: string;
  private readonly env: RootDatabase;
  private readonly log: Database<Uint8Array, number>;
  private readonly meta: Database<unknown, string>;
  private readonly durability: LmdbDurability;
  private readonly cacheEntries: number;
  private readonly cacheBytes: number;
  private readonly cache = new EntryWindow();

  private hard: HardState = { term: 0, vote: null, commit: 0 };
  /** Hard state that only moved the commit index: written with the next transaction, not synced alone. */
  private lazyHard: HardState | null = null;
  private snap: Snapshot | null = null;
  private first = 1;
  private last = 0;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  private batches = 0;
  private entriesWritten = 0;
  private bytesWritten = 0;
  private entriesTruncated = 0;
  private persistMsTotal = 0;
  private syncedBatches = 0;
  private cacheMisses = 0;

  private constructor(opts: LmdbStorageOptions, env: RootDatabase) {
    this.path = opts.path;
    this.env = env;
    this.durability = opts.durability ?? 'syncCommit';
    this.cacheEntries = opts.cacheEntries ?? 8192;
    this.cacheBytes = opts.cacheBytes ?? 64 * 1024 * 1024;
    this.log = env.openDB<Uint8Array, number>({ name: 'log', encoding: 'binary' });
    this.meta = env.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack' });
  }

  /** Open (and validate) or create a store. Throws StorageError naming the path. */
  static open(opts: LmdbStorageOptions): LmdbStorage {
    const dataFile = join(opts.path, 'data.mdb');
    const existed = existsSync(dataFile);
    if (opts.mode === 'mustExist') {
      if (!existsSync(opts.path))
        throw new StorageError('missing', opts.path, 'data directory does not exist');
      if (!existed) throw new StorageError('missing', dataFile, 'LMDB data file is missing');
    }
    if (existed) checkLmdbDataFile(dataFile);
    else if (existsSync(opts.path) && !statSync(opts.path).isDirectory()) {
      throw new StorageError('io', opts.path, 'not a directory');
    } else mkdirSync(opts.path, { recursive: true });

    let env: RootDatabase;
    try {
      env = open({
        path: opts.path,
        compression: false,
        maxDbs: 4,
        overlappingSync: (opts.durability ?? 'syncCommit') === 'flushed',
      });
    } catch (err) {
      throw new StorageError(
        'corrupt',
        opts.path,
        `LMDB refused to open the store: ${(err as Error).message}`,
      );
    }
    const storage = new LmdbStorage(opts, env);
    try {
      if (existed) storage.load(opts.nodeId);
      else storage.initialise(opts.nodeId);
    } catch (err) {
      env.close().catch(() => {});
      if (err instanceof StorageError) throw err;
      throw new StorageError('corrupt', opts.path, `cannot read the store: ${(err as Error).message}`);
    }
    return storage;
  }

  private initialise(nodeId: string): void {
    this.env.transactionSync(() => {
      this.meta.putSync('format', { version: FORMAT_VERSION, nodeId } satisfies FormatRecord);
      this.meta.putSync('hardState', this.hard);
    });
  }

  private load(nodeId: string): void {
    const where = this.path;
    const format = this.meta.get('format') as FormatRecord | undefined;
    if (!format)
      throw new StorageError('corrupt', where, 'no raftkit format marker (wiped or not a raftkit store)');
    if (format.version !== FORMAT_VERSION) {
      throw new StorageError(
        'inconsistent',
        where,
        `format version ${format.version}, expected ${FORMAT_VERSION}`,
      );
    }
    if (format.nodeId !== nodeId) {
      throw new StorageError('inconsistent', where, `store belongs to node ${format.nodeId}, not ${nodeId}`);
    }
    const hard = this.meta.get('hardState') as HardState | undefined;
    if (!hard || !Number.isSafeInteger(hard.term) || !Number.isSafeInteger(hard.commit)) {
      throw new StorageError('corrupt', where, 'hard state is missing or malformed');
    }
    this.hard = { term: hard.term, vote: hard.vote ?? null, commit: hard.commit };

    const snapRec = this.meta.get('snapshot') as SnapshotRecord | undefined;
    if (snapRec) {
      const data = new Uint8Array(snapRec.data);
      if (crc32(data) !== snapRec.crc)
        throw new StorageError('corrupt', where, 'snapshot fails its checksum');
      this.snap = { meta: { index: snapRec.index, term: snapRec.term, conf: snapRec.conf }, data };
    }
    const snapIndex = this.snap?.meta.index ?? 0;
    const snapTerm = this.snap?.meta.term ?? 0;

    // Scan the whole log: CRCs, contiguity, monotonic terms. Keep the tail in the cache.
    let expected = snapIndex + 1;
    let prevTerm = snapTerm;
    const tail: Entry[] = [];
    for (const { key, value } of this.log.getRange({})) {
      if (key !== expected) {
        throw new StorageError(
          'inconsistent',
          where,
          key < expected
            ? `log entry ${key} precedes the snapshot at ${snapIndex}`
            : `log gap: ${expected} missing`,
        );
      }
      const e = decodeEntryRecord(key, value);
      if (!e) throw new StorageError('corrupt', where, `log entry ${key} fails its checksum`);
      if (e.term < prevTerm) throw new StorageError('inconsistent', where, `log term decreases at ${key}`);
      prevTerm = e.term;
      tail.push(e);
      if (tail.length > this.cacheEntries * 2) tail.splice(0, tail.length - this.cacheEntries);
      expected++;
    }
    this.first = snapIndex + 1;
    this.last = expected - 1;
    if (this.hard.commit > this.last) {
      throw new StorageError(
        'inconsistent',
        where,
        `commit index ${this.hard.commit} is beyond the last entry ${this.last}`,
      );
    }
    if (prevTerm > this.hard.term) {
      throw new StorageError(
        'inconsistent',
        where,
        `last entry has term ${prevTerm} above the stored term ${this.hard.term}`,
      );
    }
    this.cache.reset(this.last + 1);
    if (tail.length > 0) this.cache.append(tail);
    this.trimCache();
  }

  initialState(): { hardState: HardState; confState: ConfState | null } {
    return { hardState: this.hard, confState: this.snap?.meta.conf ?? null };
  }
  firstIndex(): number {
    return this.first;
  }
  lastIndex(): number {
    return this.last;
  }
  term(index: number): number {
    const snapIndex = this.first - 1;
    if (index < snapIndex) throw new CompactedError(index);
    if (index > this.last) throw new UnavailableError(index);
    if (index === snapIndex) return this.snap?.meta.term ?? 0;
    const cached = this.cache.get(index);
    if (cached) return cached.term;
    return this.readEntry(index).term;
  }
  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    if (lo < this.first) throw new CompactedError(lo);
    if (hi > this.last + 1) throw new UnavailableError(hi - 1);
    if (lo >= hi) return [];
    if (this.cache.length > 0 && lo >= this.cache.firstIndex) return this.cache.slice(lo, hi, maxBytes);
    this.cacheMisses++;
    const out: Entry[] = [];
    let size = 0;
    for (const { key, value } of this.log.getRange({ start: lo, end: hi })) {
      const e = decodeEntryRecord(key, value);
      if (!e) throw new StorageError('corrupt', this.path, `log entry ${key} fails its checksum`);
      size += e.data.length;
      if (out.length > 0 && maxBytes !== undefined && size > maxBytes) break;
      out.push(e);
    }
    if (out.length === 0 || out[0].index !== lo)
      throw new StorageError('inconsistent', this.path, `log entry ${lo} is missing`);
    return out;
  }
  snapshot(): Snapshot | null {
    return this.snap;
  }

  private readEntry(index: number): Entry {
    this.cacheMisses++;
    const rec = this.log.getBinary(index);
    if (!rec) throw new StorageError('inconsistent', this.path, `log entry ${index} is missing`);
    const e = decodeEntryRecord(index, rec);
    if (!e) throw new StorageError('corrupt', this.path, `log entry ${index} fails its checksum`);
    return e;
  }

  /**
   * Make one Ready's writes durable in one transaction. Resolves only once
   * they are synced (unless the batch only moved the commit index, which Raft
   * does not need synced: it is kept and written with the next transaction).
   * Reads see the new state once the promise resolves.
   */
  persist(batch: PersistBatch): Promise<void> {
    if (this.closed) return Promise.reject(new StorageError('io', this.path, 'storage is closed'));
    const run = this.writing.then(() => this.write(batch));
    this.writing = run.catch(() => {});
    return run;
  }

  private async write(batch: PersistBatch): Promise<void> {
    const { entries, snapshot } = batch;
    const hs = batch.hardState;
    const needsSync =
      batch.mustSync === true ||
      entries.length > 0 ||
      snapshot !== null ||
      (hs !== null && (hs.term !== this.hard.term || hs.vote !== this.hard.vote));
    if (!needsSync) {
      if (hs) {
        this.lazyHard = hs;
        this.hard = hs;
      }
      return;
    }
    const snapIndex = snapshot ? snapshot.meta.index : this.first - 1;
    const lastBefore = snapshot ? snapIndex : this.last;
    if (entries.length > 0) {
      const lo = entries[0].index;
      if (lo <= snapIndex || lo > lastBefore + 1) {
        throw new StorageError(
          'inconsistent',
          this.path,
          `persist: entries start at ${lo}, log holds [${snapIndex + 1}, ${lastBefore}]`,
        );
      }
    }
    const newLast = entries.length > 0 ? entries[entries.length - 1].index : lastBefore;
    const hardToWrite = hs ?? this.lazyHard;
    const records = entries.map(encodeEntryRecord);
    const started = performance.now();
    let truncated = 0;

    // batch(), not transaction(): the callback runs now, on this thread, queuing
    // the writes that LMDB's write thread then commits atomically. With
    // transaction() the write thread would call back into this worker while
    // holding LMDB's writer lock, and a worker killed at that moment would keep
    // the lock forever (its restart could never write).
    await this.env.batch(() => {
      if (snapshot) {
        const data = snapshot.data;
        this.meta.put('snapshot', {
          index: snapshot.meta.index,
          term: snapshot.meta.term,
          conf: snapshot.meta.conf,
          crc: crc32(data),
          data,
        } satisfies SnapshotRecord);
        // A snapshot from the leader replaces the whole log.
        for (let i = this.first; i <= this.last; i++) this.log.remove(i);
      }
      for (let i = newLast + 1; i <= lastBefore; i++) {
        this.log.remove(i);
        truncated++;
      }
      for (let k = 0; k < entries.length; k++) this.log.put(entries[k].index, records[k]);
      if (hardToWrite) this.meta.put('hardState', hardToWrite);
    });
    if (this.durability === 'flushed') await this.env.flushed;
    this.persistMsTotal += performance.now() - started;
    this.syncedBatches++;

    // Durable: make the writes visible to reads.
    if (snapshot) {
      this.snap = snapshot;
      this.first = snapIndex + 1;
      this.last = snapIndex;
      this.cache.reset(snapIndex + 1);
    }
    if (entries.length > 0) {
      if (this.cache.length === 0) this.cache.reset(entries[0].index);
      this.cache.append(entries);
      this.trimCache();
    } else if (newLast < this.last) {
      this.cache.truncateFrom(newLast + 1);
    }
    this.last = newLast;
    if (hs) this.hard = hs;
    this.lazyHard = null;
    this.batches++;
    this.entriesWritten += entries.length;
    for (const r of records) this.bytesWritten += r.length;
    this.entriesTruncated += truncated;
  }

  private trimCache(): void {
    const over = this.cache.length - this.cacheEntries;
    if (over > 0) this.cache.trimBefore(this.cache.firstIndex + over);
    while (this.cache.length > 1 && this.cache.dataBytes > this.cacheBytes) {
      this.cache.trimBefore(this.cache.firstIndex + Math.max(1, this.cache.length >> 3));
    }
  }

  stats(): StorageStats {
    return {
      kind: 'lmdb',
      batches: this.batches,
      entriesWritten: this.entriesWritten,
      bytesWritten: this.bytesWritten,
      entriesTruncated: this.entriesTruncated,
      meanPersistMs: this.syncedBatches > 0 ? this.persistMsTotal / this.syncedBatches : 0,
      cacheMisses: this.cacheMisses,
    };
  }

  /** Flush what is pending (a lazily kept commit index) and close the environment. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.writing;
    this.closed = true;
    if (this.lazyHard) {
      const hs = this.lazyHard;
      await this.env.batch(() => {
        this.meta.put('hardState', hs);
      });
      await this.env.flushed;
    }
    await this.env.close();
  }
}
