import { existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactedError, UnavailableError } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../src/errors.js';
import { seal } from '../src/storage/sealed-record.js';
import { entry, text } from './helpers.js';
import { useTempLmdbStore } from './lmdb-test-store.js';

const store = useTempLmdbStore('raftkit-lmdb-');
const { openStore, reopen, tamper } = store;

function expectStorageError(
  fn: () => unknown,
  kind: StorageError['kind'],
  pathPart: string,
  detail?: RegExp,
) {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(StorageError);
  const se = caught as StorageError;
  expect(se.kind).toBe(kind);
  expect(se.path).toContain(pathPart);
  expect(se.message).toContain(pathPart);
  if (detail) expect(se.message).toMatch(detail);
}

describe('LmdbStorage reads and writes', () => {
  it('starts empty and reports term 0 at index 0', () => {
    const s = openStore();
    expect(s.initialState()).toEqual({ hardState: { term: 0, vote: null, commit: 0 }, confState: null });
    expect(s.firstIndex()).toBe(1);
    expect(s.lastIndex()).toBe(0);
    expect(s.term(0)).toBe(0);
    expect(() => s.term(1)).toThrow(UnavailableError);
    expect(s.entries(1, 1)).toEqual([]);
  });

  it('persists hard state and entries in one batch and recovers them after reopening', async () => {
    let s = openStore();
    await s.persist({
      hardState: { term: 2, vote: 'n2', commit: 2 },
      entries: [entry(1, 1), entry(2, 1), entry(3, 2)],
      snapshot: null,
    });
    expect(s.lastIndex()).toBe(3);
    expect(s.term(3)).toBe(2);
    s = await reopen(s);
    expect(s.initialState().hardState).toEqual({ term: 2, vote: 'n2', commit: 2 });
    expect(s.firstIndex()).toBe(1);
    expect(s.lastIndex()).toBe(3);
    expect(s.entries(1, 4).map(text)).toEqual(['e1', 'e2', 'e3']);
    expect(s.entries(1, 4)[2]).toMatchObject({ index: 3, term: 2, type: 0 });
    expect(s.stats().batches).toBe(0);
  });

  it('makes writes visible only once persist() resolves', async () => {
    const s = openStore();
    const p = s.persist({
      hardState: { term: 1, vote: 'n1', commit: 0 },
      entries: [entry(1, 1)],
      snapshot: null,
    });
    expect(s.lastIndex()).toBe(0);
    await p;
    expect(s.lastIndex()).toBe(1);
    expect(s.initialState().hardState.term).toBe(1);
  });

  it('truncates a conflicting suffix in the same transaction and keeps it truncated after reopening', async () => {
    let s = openStore();
    await s.persist({
      hardState: { term: 1, vote: 'n1', commit: 1 },
      entries: [1, 2, 3, 4, 5].map((i) => entry(i, 1)),
      snapshot: null,
    });
    await s.persist({
      hardState: { term: 3, vote: 'n3', commit: 1 },
      entries: [entry(3, 3, 'x3'), entry(4, 3, 'x4')],
      snapshot: null,
    });
    expect(s.lastIndex()).toBe(4);
    expect(s.entries(1, 5).map(text)).toEqual(['e1', 'e2', 'x3', 'x4']);
    expect(s.stats().entriesTruncated).toBe(1);
    s = await reopen(s);
    expect(s.lastIndex()).toBe(4);
    expect(s.entries(1, 5).map(text)).toEqual(['e1', 'e2', 'x3', 'x4']);
    expect(s.term(4)).toBe(3);
  });

  it('rejects a batch that would leave a gap in the log', async () => {
    const s = openStore();
    await s.persist({ hardState: null, entries: [entry(1, 1)], snapshot: null });
    await expect(
      s.persist({ hardState: null, entries: [entry(3, 1)], snapshot: null }),
    ).rejects.toBeInstanceOf(StorageError);
    expect(s.lastIndex()).toBe(1);
    // The storage keeps working after a rejected batch.
    await s.persist({ hardState: null, entries: [entry(2, 1)], snapshot: null });
    expect(s.lastIndex()).toBe(2);
  });

  it('serves reads below the cache window from LMDB, honouring maxBytes', async () => {
    let s = openStore({ cacheEntries: 4 });
    const entries = Array.from({ length: 20 }, (_, k) => entry(k + 1, 1, 'x'.repeat(10)));
    await s.persist({ hardState: { term: 1, vote: null, commit: 20 }, entries, snapshot: null });
    expect(s.stats().cacheMisses).toBe(0);
    expect(s.entries(18, 21).length).toBe(3);
    expect(s.stats().cacheMisses).toBe(0);
    expect(s.term(2)).toBe(1);
    expect(s.entries(1, 21, 35).map((e) => e.index)).toEqual([1, 2, 3]);
    expect(s.entries(1, 21, 5).map((e) => e.index)).toEqual([1]);
    expect(s.stats().cacheMisses).toBe(3);
    s = await reopen(s, { cacheEntries: 4 });
    expect(s.entries(1, 21).length).toBe(20);
  });

  it('keeps a commit-only hard state change without a sync and writes it before closing', async () => {
    let s = openStore();
    await s.persist({
      hardState: { term: 1, vote: 'n1', commit: 0 },
      entries: [entry(1, 1)],
      snapshot: null,
    });
    const before = s.stats().batches;
    await s.persist({
      hardState: { term: 1, vote: 'n1', commit: 1 },
      entries: [],
      snapshot: null,
      mustSync: false,
    });
    expect(s.stats().batches).toBe(before);
    expect(s.initialState().hardState.commit).toBe(1);
    s = await reopen(s);
    expect(s.initialState().hardState).toEqual({ term: 1, vote: 'n1', commit: 1 });
  });

  it('syncs a term or vote change even when the caller says mustSync is false', async () => {
    const s = openStore();
    await s.persist({
      hardState: { term: 5, vote: 'n2', commit: 0 },
      entries: [],
      snapshot: null,
      mustSync: false,
    });
    expect(s.stats().batches).toBe(1);
  });

  it('installs a snapshot that replaces the log and reads term(snapshotIndex)', async () => {
    let s = openStore();
    await s.persist({
      hardState: { term: 1, vote: null, commit: 2 },
      entries: [entry(1, 1), entry(2, 1)],
      snapshot: null,
    });
    const conf = { voters: ['n1', 'n2', 'n3'], learners: [] };
    await s.persist({
      hardState: { term: 4, vote: null, commit: 10 },
      entries: [entry(11, 4)],
      snapshot: { meta: { index: 10, term: 4, conf }, data: new Uint8Array([1, 2, 3]) },
    });
    expect(s.firstIndex()).toBe(11);
    expect(s.lastIndex()).toBe(11);
    expect(s.term(10)).toBe(4);
    expect(() => s.term(9)).toThrow(CompactedError);
    expect(() => s.entries(10, 12)).toThrow(CompactedError);
    s = await reopen(s);
    expect(s.snapshot()?.meta).toEqual({ index: 10, term: 4, conf });
    expect([...(s.snapshot()?.data ?? [])]).toEqual([1, 2, 3]);
    expect(s.initialState().confState).toEqual(conf);
    expect(s.entries(11, 12).map(text)).toEqual(['e11']);
  });

  it("works with the 'flushed' durability mode too", async () => {
    let s = openStore({ durability: 'flushed' });
    await s.persist({
      hardState: { term: 1, vote: 'n1', commit: 1 },
      entries: [entry(1, 1)],
      snapshot: null,
    });
    s = await reopen(s, { durability: 'flushed' });
    expect(s.lastIndex()).toBe(1);
  });
});

describe('LmdbStorage refuses damaged or missing stores with a typed error naming the path', () => {
  async function seeded(): Promise<void> {
    const s = openStore();
    const big = 'v'.repeat(2000);
    await s.persist({
      hardState: { term: 2, vote: 'n1', commit: 50 },
      entries: Array.from({ length: 200 }, (_, k) => entry(k + 1, k < 100 ? 1 : 2, big)),
      snapshot: null,
    });
    await s.close();
  }

  it('a restart whose data directory does not exist', () => {
    expectStorageError(() => openStore({ mode: 'mustExist' }), 'missing', store.path);
  });

  it('a restart whose data file was deleted', async () => {
    await seeded();
    rmSync(join(store.path, 'data.mdb'));
    expectStorageError(() => openStore({ mode: 'mustExist' }), 'missing', 'data.mdb');
  });

  it('a data file that was truncated (would crash LMDB with SIGBUS)', async () => {
    await seeded();
    const file = join(store.path, 'data.mdb');
    truncateSync(file, Math.floor(statSync(file).size / 2));
    expectStorageError(() => openStore({ mode: 'mustExist' }), 'corrupt', 'data.mdb', /truncated/);
    truncateSync(file, 100);
    expectStorageError(() => openStore({ mode: 'mustExist' }), 'corrupt', 'data.mdb');
    truncateSync(file, 0);
    expectStorageError(() => openStore({ mode: 'mustExist' }), 'corrupt', 'data.mdb', /empty/);
    // Even a first start must not silently replace a damaged store.
    expectStorageError(() => openStore({ mode: 'createIfMissing' }), 'corrupt', 'data.mdb');
  });

  it('a store without the raftkit format marker', async () => {
    await seeded();
    await tamper(({ meta }) => meta.removeSync('format'));
    expectStorageError(() => openStore({ mode: 'mustExist' }), 'corrupt', store.path, /format marker/);
  });

  it("another node's store", async () => {
    await seeded();
    expectStorageError(
      () => openStore({ mode: 'mustExist', nodeId: 'n9' }),
      'inconsistent',
      store.path,
      /belongs to node n1/,
    );
  });

  it('a commit index beyond the last entry', async () => {
    await seeded();
    await tamper(({ meta }) => meta.putSync('hardState', seal({ term: 2, vote: 'n1', commit: 201 })));
    expectStorageError(
      () => openStore({ mode: 'mustExist' }),
      'inconsistent',
      store.path,
      /commit index 201/,
    );
  });

  it('a gap in the log', async () => {
    await seeded();
    await tamper(({ log }) => log.removeSync(120));
    expectStorageError(
      () => openStore({ mode: 'mustExist' }),
      'inconsistent',
      store.path,
      /gap: 120 missing/,
    );
  });

  it('a log record whose bytes were altered', async () => {
    await seeded();
    await tamper(({ log }) => {
      const rec = Buffer.from(log.getBinary(77) as Uint8Array);
      rec[rec.length - 1] ^= 0xff;
      log.putSync(77, rec);
    });
    expectStorageError(
      () => openStore({ mode: 'mustExist' }),
      'corrupt',
      store.path,
      /entry 77 fails its checksum/,
    );
  });

  it('a log whose last term is above the stored term', async () => {
    await seeded();
    await tamper(({ meta }) => meta.putSync('hardState', seal({ term: 1, vote: null, commit: 10 })));
    expectStorageError(
      () => openStore({ mode: 'mustExist' }),
      'inconsistent',
      store.path,
      /above the stored term/,
    );
  });

  it('a hard state whose vote byte was flipped in the data file (its checksum fails)', async () => {
    const s = openStore();
    await s.persist({ hardState: { term: 3, vote: 'n2', commit: 0 }, entries: [], snapshot: null });
    await s.close();
    // The vote is the only "n2" in n1's store: msgpack fixstr 0xa2 "n2". LMDB pages carry no checksum of their own.
    const file = join(store.path, 'data.mdb');
    const bytes = readFileSync(file);
    const needle = Buffer.from([0xa2, ...Buffer.from('n2')]);
    let flipped = 0;
    for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
      bytes[at + needle.length - 1] = '3'.charCodeAt(0); // n2 -> n3
      flipped++;
    }
    expect(flipped).toBeGreaterThan(0);
    writeFileSync(file, bytes);
    expectStorageError(
      () => openStore({ mode: 'mustExist' }),
      'corrupt',
      store.path,
      /the hardState record fails its checksum/,
    );
  });

  it('a store of format 1 (before metadata checksums) opens and is rewritten with them', async () => {
    const s = openStore();
    await s.persist({
      hardState: { term: 2, vote: 'n1', commit: 1 },
      entries: [entry(1, 2)],
      snapshot: null,
    });
    await s.close();
    await tamper(({ meta }) => {
      meta.putSync('format', { version: 1, nodeId: 'n1' });
      meta.putSync('hardState', { term: 2, vote: 'n1', commit: 1 });
    });
    const legacy = openStore({ mode: 'mustExist' });
    expect(legacy.initialState().hardState).toEqual({ term: 2, vote: 'n1', commit: 1 });
    await legacy.close();
    await tamper(({ meta }) => {
      expect(meta.get('format')).toMatchObject({ version: 2, check: expect.any(Number) });
      expect(meta.get('hardState')).toMatchObject({ term: 2, check: expect.any(Number) });
    });
    const again = openStore({ mode: 'mustExist' });
    expect(again.initialState().hardState).toEqual({ term: 2, vote: 'n1', commit: 1 });
  });

  it('leaves an intact store usable after refusing a damaged one', async () => {
    await seeded();
    expect(existsSync(join(store.path, 'data.mdb'))).toBe(true);
    const s = openStore({ mode: 'mustExist' });
    expect(s.lastIndex()).toBe(200);
    expect(s.term(150)).toBe(2);
  });
});
