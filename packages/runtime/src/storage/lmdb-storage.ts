import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  type ConfState,
  copyConf,
  type Entry,
  type HardState,
  LogWindow,
  type Snapshot,
  WindowedStorage,
} from '@raftkit/core';
import { type Database, open, type RootDatabase } from 'lmdb';
import { StorageError, storageErrorFrom } from '../errors.js';
import type { DurableStorage, PersistBatch, StorageStats } from './durable-storage.js';
import { decodeEntryRecord, encodeEntryRecord } from './entry-record.js';
import { EntryWindow } from './entry-window.js';
import { newIncarnation } from './incarnation.js';
import { checkLmdbDataFile } from './lmdb-file-check.js';
import { seal, verifySealed } from './sealed-record.js';

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
  /**
   * The membership this node bootstraps with (a node joining a running
   * cluster: the current voters, itself a learner). Written when the store is
   * created, so a restart rebuilds the configuration without being told again;
   * ignored when the store exists.
   */
  readonly bootstrapConf?: ConfState;
  /** The incarnation a new store gets (default: a random one); an existing store keeps its own. */
  readonly incarnation?: number;
}

/** 2: every metadata record carries a checksum (sealed-record.ts). 1: only log entries and snapshot data did. */
const FORMAT_VERSION = 2;
const LEGACY_FORMAT_VERSION = 1;

interface FormatRecord {
  readonly version: number;
  readonly nodeId: string;
  /** The store's incarnation; absent in stores created before incarnations (one is assigned on open). */
  readonly incarnation?: number;
}
interface SnapshotRecord {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
  readonly crc: number;
  readonly data: Uint8Array;
}
/** Where the log begins: it holds entries from `index + 1` on; `term` is the term at `index`. */
interface CompactionRecord {
  readonly index: number;
  readonly term: number;
}
/** A snapshot taken here and the compaction behind it, visible to readers, not yet written. */
interface PendingSnapshotOps {
  snapshot: { snap: Snapshot; crc: number | undefined } | null;
  compaction: CompactionRecord | null;
}

/**
 * Durable Raft storage on LMDB (lmdb-js). Two named databases: `log`
 * (index -> CRC-checked entry record) and `meta` (format marker, hard state,
 * snapshot, compaction point). All writes of one Ready go into one
 * transaction; reads are synchronous and served from an in-memory tail
 * cache when possible.
 *
 * Snapshots (core's SnapshotStorage): `createSnapshot` + `compact` take
 * effect for readers at once and are written together, in one transaction
 * (the next persist() or flush()): a crash before it leaves the old snapshot
 * and the full log, a crash after it the new snapshot and the compacted log,
 * never a mix. A snapshot installed from a leader (`PersistBatch.snapshot`)
 * replaces the whole log in the transaction of its Ready.
 *
 * Opening validates the store end to end (file size against LMDB's meta
 * pages, format marker, every record's CRC, snapshot CRC and metadata, the
 * log beginning right after the compaction point, contiguity, terms, hard
 * state against the log) and throws a `StorageError` naming the path on any
 * problem: a damaged store never becomes a silently empty node.
 */
export class LmdbStorage extends WindowedStorage implements DurableStorage {
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
  private bootConf: ConfState | null = null;
  private inc = 0;
  /** Latest snapshot as readers see it (may be pending). */
  private snap: Snapshot | null = null;
  /** Bounds as readers see them (compaction point, last index, latest snapshot) and their rules. */
  protected readonly window: LogWindow;
  /** First log key actually in LMDB (compactions not yet written leave keys below `compactIndex + 1`). */
  private durableFirst = 1;
  private durableSnapIndex = 0;
  private pending: PendingSnapshotOps = { snapshot: null, compaction: null };
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  private batches = 0;
  private entriesWritten = 0;
  private bytesWritten = 0;
  private entriesTruncated = 0;
  private persistMsTotal = 0;
  private syncedBatches = 0;
  private cacheMisses = 0;
  private snapshotsWritten = 0;
  private entriesCompacted = 0;

  private constructor(opts: LmdbStorageOptions, env: RootDatabase) {
    super();
    this.path = opts.path;
    this.env = env;
    this.durability = opts.durability ?? 'syncCommit';
    this.cacheEntries = opts.cacheEntries ?? 8192;
    this.cacheBytes = opts.cacheBytes ?? 64 * 1024 * 1024;
    this.log = env.openDB<Uint8Array, number>({ name: 'log', encoding: 'binary' });
    this.meta = env.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack' });
    this.window = new LogWindow(
      (index) => (this.cache.get(index) ?? this.readEntry(index)).term,
      (detail) => new StorageError('inconsistent', this.path, detail),
    );
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
    } else {
      try {
        mkdirSync(opts.path, { recursive: true });
      } catch (err) {
        throw storageErrorFrom(err, opts.path, 'cannot create the store directory');
      }
    }

    let env: RootDatabase;
    try {
      env = open({
        path: opts.path,
        compression: false,
        maxDbs: 4,
        overlappingSync: (opts.durability ?? 'syncCommit') === 'flushed',
      });
    } catch (err) {
      // An operating-system refusal (permission, full disk) is not a damaged store.
      const os = storageErrorFrom(err, opts.path, 'LMDB cannot open the store');
      if (os.kind === 'permission' || os.kind === 'noSpace') throw os;
      throw new StorageError(
        'corrupt',
        opts.path,
        `LMDB refused to open the store: ${(err as Error).message}`,
      );
    }
    const storage = new LmdbStorage(opts, env);
    try {
      // A first start killed before its first (atomic) transaction leaves an LMDB file holding
      // nothing at all: only then may a first start initialise an existing file.
      if (existed && !(opts.mode === 'createIfMissing' && storage.isBlank())) storage.load(opts.nodeId);
      else storage.initialise(opts.nodeId, opts.bootstrapConf ?? null, opts.incarnation ?? newIncarnation());
    } catch (err) {
      env.close().catch(() => {});
      if (err instanceof StorageError) throw err;
      throw new StorageError('corrupt', opts.path, `cannot read the store: ${(err as Error).message}`);
    }
    return storage;
  }

  /** The store's incarnation (core README, "Identity"). */
  get incarnation(): number {
    return this.inc;
  }

  private initialise(nodeId: string, bootConf: ConfState | null, incarnation: number): void {
    this.inc = incarnation;
    this.env.transactionSync(() => {
      this.meta.putSync(
        'format',
        seal({ version: FORMAT_VERSION, nodeId, incarnation } satisfies FormatRecord),
      );
      this.meta.putSync('hardState', seal(this.hard));
      if (bootConf) this.meta.putSync('bootstrapConf', seal(bootConf));
    });
    this.bootConf = bootConf;
  }

  /** Nothing was ever written (no record in either database). */
  private isBlank(): boolean {
    return this.meta.getKeysCount() === 0 && this.log.getKeysCount() === 0;
  }

  private load(nodeId: string): void {
    const where = this.path;
    const format = this.meta.get('format') as FormatRecord | undefined;
    if (!format)
      throw new StorageError('corrupt', where, 'no raftkit format marker (wiped or not a raftkit store)');
    const legacy = format.version === LEGACY_FORMAT_VERSION;
    const get = (name: string) => {
      const rec = this.meta.get(name);
      verifySealed(where, name, rec, legacy);
      return rec;
    };
    verifySealed(where, 'format', format, legacy);
    if (format.version !== FORMAT_VERSION && !legacy) {
      throw new StorageError(
        'inconsistent',
        where,
        `format version ${format.version}, expected ${FORMAT_VERSION}`,
      );
    }
    if (format.nodeId !== nodeId) {
      throw new StorageError('inconsistent', where, `store belongs to node ${format.nodeId}, not ${nodeId}`);
    }
    // A store from before incarnations gets one now (written below with the re-sealed records, or at once).
    const needsIncarnation = !Number.isSafeInteger(format.incarnation) || (format.incarnation ?? 0) < 1;
    this.inc = needsIncarnation ? newIncarnation() : (format.incarnation as number);
    const hard = get('hardState') as HardState | undefined;
    if (!hard || !Number.isSafeInteger(hard.term) || !Number.isSafeInteger(hard.commit)) {
      throw new StorageError('corrupt', where, 'hard state is missing or malformed');
    }
    this.hard = { term: hard.term, vote: hard.vote ?? null, commit: hard.commit };
    const boot = get('bootstrapConf') as ConfState | undefined;
    if (boot !== undefined) {
      if (!isConfState(boot))
        throw new StorageError('corrupt', where, 'bootstrap configuration is malformed');
      this.bootConf = copyConf(boot);
    }

    const snapRec = get('snapshot') as SnapshotRecord | undefined;
    if (snapRec !== undefined) this.snap = checkSnapshotRecord(where, snapRec);
    const snapIndex = this.snap?.meta.index ?? 0;
    const snapTerm = this.snap?.meta.term ?? 0;
    const compRec = get('compaction') as CompactionRecord | undefined;
    // Every compaction (own or by an installed snapshot) writes this record in the same transaction; without
    // one nothing was ever compacted and the log begins at 1, even if a snapshot was taken (inside the
    // catch-up window a node snapshots without discarding any entry).
    const comp = compRec ?? { index: 0, term: 0 };
    if (
      !Number.isSafeInteger(comp.index) ||
      !Number.isSafeInteger(comp.term) ||
      comp.index < 0 ||
      comp.term < 0
    ) {
      throw new StorageError('corrupt', where, 'compaction record is malformed');
    }
    const snapshotBounds = this.snap && { index: snapIndex, term: snapTerm };
    this.window.checkCompactionPoint({
      compactIndex: comp.index,
      compactTerm: comp.term,
      snapshot: snapshotBounds,
    });

    // Scan the whole log: CRCs, contiguity from the compaction point on, monotonic terms. Keep the tail in the cache.
    let expected = comp.index + 1;
    let prevTerm = comp.term;
    let termAtSnapshot: number | null = comp.index === snapIndex ? snapTerm : null;
    const tail: Entry[] = [];
    for (const { key, value } of this.log.getRange({})) {
      if (key !== expected) {
        throw new StorageError(
          'inconsistent',
          where,
          key < expected
            ? `log entry ${key} precedes the log start ${comp.index + 1} (snapshot at ${snapIndex})`
            : `log gap: ${expected} missing (log must begin at ${comp.index + 1}, snapshot at ${snapIndex})`,
        );
      }
      const e = decodeEntryRecord(key, value);
      if (!e) throw new StorageError('corrupt', where, `log entry ${key} fails its checksum`);
      if (e.term < prevTerm) throw new StorageError('inconsistent', where, `log term decreases at ${key}`);
      if (key === snapIndex) termAtSnapshot = e.term;
      prevTerm = e.term;
      tail.push(e);
      if (tail.length > this.cacheEntries * 2) tail.splice(0, tail.length - this.cacheEntries);
      expected++;
    }
    const last = expected - 1;
    // Compaction point, log end and snapshot must agree (LogWindow's rules); then the entry under the snapshot.
    this.window.restore({
      compactIndex: comp.index,
      compactTerm: comp.term,
      lastIndex: last,
      snapshot: snapshotBounds,
    });
    this.durableFirst = comp.index + 1;
    this.durableSnapIndex = snapIndex;
    if (termAtSnapshot !== snapTerm) {
      throw new StorageError(
        'inconsistent',
        where,
        `log entry ${snapIndex} has term ${termAtSnapshot}, the snapshot there has term ${snapTerm}`,
      );
    }
    if (this.hard.commit > last) {
      throw new StorageError(
        'inconsistent',
        where,
        `commit index ${this.hard.commit} is beyond the last entry ${last}`,
      );
    }
    if (prevTerm > this.hard.term) {
      throw new StorageError(
        'inconsistent',
        where,
        `last entry has term ${prevTerm} above the stored term ${this.hard.term}`,
      );
    }
    this.cache.reset(last + 1);
    if (tail.length > 0) this.cache.append(tail);
    this.trimCache();
    if (legacy) this.sealLegacy(nodeId, snapRec, compRec);
    else if (needsIncarnation) {
      this.env.transactionSync(() => {
        this.meta.putSync(
          'format',
          seal({ version: FORMAT_VERSION, nodeId, incarnation: this.inc } satisfies FormatRecord),
        );
      });
    }
  }

  /** A store of format 1, checked: its metadata records rewritten with checksums, as format 2, in one transaction. */
  private sealLegacy(
    nodeId: string,
    snapRec: SnapshotRecord | undefined,
    comp: CompactionRecord | undefined,
  ): void {
    this.env.transactionSync(() => {
      this.meta.putSync(
        'format',
        seal({ version: FORMAT_VERSION, nodeId, incarnation: this.inc } satisfies FormatRecord),
      );
      this.meta.putSync('hardState', seal(this.hard));
      if (this.bootConf) this.meta.putSync('bootstrapConf', seal(this.bootConf));
      if (snapRec) this.meta.putSync('snapshot', seal(snapRec));
      if (comp) this.meta.putSync('compaction', seal(comp));
    });
  }

  initialState(): { hardState: HardState; confState: ConfState | null } {
    return { hardState: this.hard, confState: this.snap?.meta.conf ?? this.bootConf };
  }
  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    if (!this.window.readable(lo, hi)) return [];
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

  // ---------------------------------------------------------------- snapshots (SnapshotStorage)

  /**
   * Record a snapshot of the state machine at applied index `index` (core's
   * SnapshotStorage). Visible at once; durable with the next transaction,
   * together with a `compact` made before it. `checksum`: the CRC-32 of
   * `data` if the caller has it (computed on the side-work pool).
   */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array, checksum?: number): Snapshot {
    this.requireOpen();
    if (!isConfState(conf) || conf.voters.length === 0) {
      throw new StorageError('inconsistent', this.path, `snapshot at ${index}: configuration has no voters`);
    }
    const term = this.window.recordSnapshot(index);
    const snap: Snapshot = { meta: { index, term, conf: copyConf(conf) }, data };
    this.snap = snap;
    this.pending.snapshot = { snap, crc: checksum };
    return snap;
  }

  /**
   * Discard the log up to and including `index` (at most the latest
   * snapshot's index; `index` stays the log's base, its term known). Visible
   * at once; durable with the next transaction.
   */
  compact(index: number): void {
    this.requireOpen();
    if (!this.window.compactTo(index)) return;
    this.cache.trimBefore(index + 1);
    this.pending.compaction = { index, term: this.window.compactTerm };
  }

  /** Write pending snapshot / compaction (and a lazily kept commit index) now; resolves once durable. */
  flush(): Promise<void> {
    return this.persist({ hardState: null, entries: [], snapshot: null, mustSync: true });
  }

  // ---------------------------------------------------------------- writes

  /**
   * Make one Ready's writes durable in one transaction, together with any
   * pending snapshot and compaction. Resolves only once they are synced
   * (unless the batch only moved the commit index, which Raft does not need
   * synced: it is kept and written with the next transaction). Reads see the
   * new state once the promise resolves.
   */
  persist(batch: PersistBatch): Promise<void> {
    if (this.closed) return Promise.reject(new StorageError('io', this.path, 'storage is closed'));
    const run = this.writing.then(() => this.write(batch));
    this.writing = run.catch(() => {});
    return run;
  }

  /** Pending snapshot operations still worth writing (an installed snapshot may have overtaken them). */
  private takePending(): PendingSnapshotOps | null {
    const p = this.pending;
    this.pending = { snapshot: null, compaction: null };
    const snapshot = p.snapshot && p.snapshot.snap.meta.index > this.durableSnapIndex ? p.snapshot : null;
    const compaction = p.compaction && p.compaction.index >= this.durableFirst ? p.compaction : null;
    return snapshot || compaction ? { snapshot, compaction } : null;
  }

  private async write(batch: PersistBatch): Promise<void> {
    const installed = batch.snapshot;
    const hs = batch.hardState;
    // Refused before anything is taken: a pending snapshot of our own stays pending.
    if (installed) this.window.checkInstall(installed.meta.index);
    const entries = this.window.appendable(batch.entries, installed?.meta ?? null);
    // A snapshot from the leader replaces everything, including a snapshot of our own not yet written.
    const pending = this.takePending();
    const own = installed ? null : pending;
    const needsSync =
      batch.mustSync === true ||
      batch.entries.length > 0 ||
      installed !== null ||
      own !== null ||
      (hs !== null && (hs.term !== this.hard.term || hs.vote !== this.hard.vote));
    if (!needsSync) {
      if (hs) {
        this.lazyHard = hs;
        this.hard = hs;
      }
      return;
    }
    if (own === null && !installed && entries.length === 0 && !hs && !this.lazyHard) return;
    const lastNow = this.window.lastIndex();
    const lastBefore = installed ? installed.meta.index : lastNow;
    const newLast = entries.length > 0 ? entries[entries.length - 1].index : lastBefore;
    const hardToWrite = hs ?? this.lazyHard;
    const records = entries.map(encodeEntryRecord);
    const snapToWrite = installed
      ? { snap: installed, crc: batch.snapshotChecksum ?? crc32(installed.data) }
      : own?.snapshot
        ? { snap: own.snapshot.snap, crc: own.snapshot.crc ?? crc32(own.snapshot.snap.data) }
        : null;
    const compaction: CompactionRecord | null = installed
      ? { index: installed.meta.index, term: installed.meta.term }
      : (own?.compaction ?? null);
    // Keys to delete from the front: everything for an installed snapshot, else up to the compaction point.
    const removeFrom = this.durableFirst;
    const removeTo = installed ? lastNow : (compaction?.index ?? removeFrom - 1);
    const started = performance.now();
    let truncated = 0;

    // batch(), not transaction(): the callback runs now, on this thread, queuing
    // the writes that LMDB's write thread then commits atomically. With
    // transaction() the write thread would call back into this worker while
    // holding LMDB's writer lock, and a worker killed at that moment would keep
    // the lock forever (its restart could never write).
    await this.commit((w) => {
      if (snapToWrite) {
        const { snap, crc } = snapToWrite;
        w(
          this.meta.put(
            'snapshot',
            seal({
              index: snap.meta.index,
              term: snap.meta.term,
              conf: snap.meta.conf,
              crc,
              data: snap.data,
            } satisfies SnapshotRecord),
          ),
        );
      }
      if (compaction) w(this.meta.put('compaction', seal(compaction satisfies CompactionRecord)));
      for (let i = removeFrom; i <= removeTo; i++) w(this.log.remove(i));
      if (!installed) {
        for (let i = newLast + 1; i <= lastBefore; i++) {
          w(this.log.remove(i));
          truncated++;
        }
      }
      for (let k = 0; k < entries.length; k++) w(this.log.put(entries[k].index, records[k]));
      if (hardToWrite) w(this.meta.put('hardState', seal(hardToWrite)));
    });
    if (this.durability === 'flushed') await this.env.flushed;
    this.persistMsTotal += performance.now() - started;
    this.syncedBatches++;

    // Durable: make the writes visible to reads.
    if (snapToWrite) {
      this.durableSnapIndex = snapToWrite.snap.meta.index;
      this.snapshotsWritten++;
      this.releaseEncoderScratch();
    }
    if (compaction) {
      if (!installed) this.entriesCompacted += Math.max(0, compaction.index - removeFrom + 1);
      this.durableFirst = compaction.index + 1;
    }
    if (installed) {
      this.snap = installed;
      this.window.installed(installed.meta.index, installed.meta.term);
      this.cache.reset(installed.meta.index + 1);
    }
    if (entries.length > 0) {
      if (this.cache.length === 0) this.cache.reset(entries[0].index);
      this.cache.append(entries);
      this.trimCache();
      this.window.appended(newLast);
    }
    if (hs) this.hard = hs;
    this.lazyHard = null;
    this.batches++;
    this.entriesWritten += entries.length;
    for (const r of records) this.bytesWritten += r.length;
    this.entriesTruncated += truncated;
  }

  /**
   * One LMDB write batch. lmdb-js rejects a failed commit with a generic
   * error whose `commitError` promise holds the operating-system error
   * (ENOSPC, EIO, ...): that one is reported, as the StorageError kind it is,
   * with the store's path (and that promise, like each write's own, is
   * handled, not left to reject unobserved).
   */
  /**
   * The meta database's records are packed by msgpackr into its scratch buffer, which keeps
   * the size of the largest record ever packed: after a snapshot record (the whole
   * compressed state) that buffer would stay as large for good. Once that write is
   * committed, give msgpackr a fresh small buffer; writes still queued keep their own views
   * of the old one, so nothing they hold is overwritten.
   */
  private releaseEncoderScratch(): void {
    const encoder = (this.meta as unknown as { encoder?: { useBuffer?(buffer: Uint8Array): void } }).encoder;
    encoder?.useBuffer?.(Buffer.allocUnsafeSlow(8192));
  }

  private async commit(writes: (w: (write: Promise<unknown>) => void) => void): Promise<void> {
    // Each put/remove returns a promise that rejects too when the commit fails: the
    // batch's own promise reports the failure, these must not reject unobserved.
    const observe = (write: Promise<unknown>) => {
      write.catch(() => {});
    };
    try {
      await this.env.batch(() => writes(observe));
    } catch (err) {
      const cause = (err as { commitError?: Promise<unknown> }).commitError;
      const real = cause
        ? await cause.then(
            () => err,
            (e: unknown) => e,
          )
        : err;
      throw storageErrorFrom(real, this.path, 'cannot write to the store');
    }
  }

  private trimCache(): void {
    const over = this.cache.length - this.cacheEntries;
    if (over > 0) this.cache.trimBefore(this.cache.firstIndex + over);
    while (this.cache.length > 1 && this.cache.dataBytes > this.cacheBytes) {
      this.cache.trimBefore(this.cache.firstIndex + Math.max(1, this.cache.length >> 3));
    }
  }

  private requireOpen(): void {
    if (this.closed) throw new StorageError('io', this.path, 'storage is closed');
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
      snapshotsWritten: this.snapshotsWritten,
      entriesCompacted: this.entriesCompacted,
    };
  }

  /** Flush what is pending (snapshot, compaction, a lazily kept commit index) and close the environment. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.writing;
    if (this.pending.snapshot || this.pending.compaction || this.lazyHard) await this.flush().catch(() => {});
    this.closed = true;
    await this.env.close();
  }
}

function isConfState(c: unknown): c is ConfState {
  const conf = c as ConfState | null;
  return (
    typeof conf === 'object' &&
    conf !== null &&
    Array.isArray(conf.voters) &&
    Array.isArray(conf.learners) &&
    conf.voters.every((v) => typeof v === 'string') &&
    conf.learners.every((v) => typeof v === 'string')
  );
}

/** Validate a stored snapshot record (shape, configuration, CRC) and turn it into a Snapshot. */
function checkSnapshotRecord(where: string, rec: SnapshotRecord): Snapshot {
  if (
    typeof rec !== 'object' ||
    rec === null ||
    !Number.isSafeInteger(rec.index) ||
    !Number.isSafeInteger(rec.term) ||
    rec.index < 1 ||
    rec.term < 0 ||
    !(rec.data instanceof Uint8Array) ||
    !Number.isInteger(rec.crc)
  ) {
    throw new StorageError('corrupt', where, 'snapshot record is malformed');
  }
  if (!isConfState(rec.conf) || rec.conf.voters.length === 0) {
    throw new StorageError('corrupt', where, `snapshot at ${rec.index} has no valid configuration`);
  }
  const data = new Uint8Array(rec.data);
  if (crc32(data) !== rec.crc) throw new StorageError('corrupt', where, 'snapshot fails its checksum');
  return {
    meta: {
      index: rec.index,
      term: rec.term,
      conf: copyConf(rec.conf),
    },
    data,
  };
}
