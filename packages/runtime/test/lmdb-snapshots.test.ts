import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CompactedError } from '@raftkit/core';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../src/errors.js';
import type { LmdbStorage } from '../src/storage/lmdb-storage.js';
import { seal } from '../src/storage/sealed-record.js';
import { entry, text } from './helpers.js';
import { useTempLmdbStore } from './lmdb-test-store.js';

const WRITER = fileURLToPath(new URL('./fixtures/snapshot-writer.mjs', import.meta.url));
const conf = { voters: ['n1', 'n2', 'n3'], learners: [] };
const bytes = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

const store = useTempLmdbStore('raftkit-lmdb-snap-');
const { openStore, reopen, tamper } = store;

/** A store with entries 1..30 (terms 1, then 2 from 16), committed to 30. */
async function withLog(): Promise<LmdbStorage> {
  const s = openStore();
  await s.persist({
    hardState: { term: 2, vote: 'n1', commit: 30 },
    entries: Array.from({ length: 30 }, (_, k) => entry(k + 1, k < 15 ? 1 : 2)),
    snapshot: null,
  });
  return s;
}
function refused(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StorageError);
    return err as StorageError;
  }
  throw new Error('expected a StorageError');
}

describe('LmdbStorage snapshots and compaction', () => {
  it('a large snapshot record, then more metadata writes in the same and the next batches: all read back after a reopen', async () => {
    // A snapshot over msgpackr's scratch size makes the store hand msgpackr a fresh buffer
    // after the commit; the records written after it (and queued with it) must be intact.
    let s = await withLog();
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
    s.createSnapshot(20, conf, big);
    s.compact(20);
    await s.persist({
      hardState: { term: 3, vote: 'n2', commit: 31 },
      entries: [entry(31, 3)],
      snapshot: null,
    });
    await s.persist({
      hardState: { term: 4, vote: 'n3', commit: 32 },
      entries: [entry(32, 4)],
      snapshot: null,
    });
    s = await reopen(s);
    expect(s.snapshot()?.data).toEqual(big);
    expect(s.initialState().hardState).toEqual({ term: 4, vote: 'n3', commit: 32 });
    expect(s.entries(31, 33).map((e) => [e.index, e.term])).toEqual([
      [31, 3],
      [32, 4],
    ]);
  });

  it('takes a snapshot and compacts behind it: visible at once, durable together in one transaction', async () => {
    let s = await withLog();
    const before = s.stats();
    const snap = s.createSnapshot(20, conf, bytes('state@20'));
    expect(snap.meta).toEqual({ index: 20, term: 2, conf });
    s.compact(20);
    expect(s.snapshot()?.meta.index).toBe(20);
    expect(s.firstIndex()).toBe(21);
    expect(s.term(20)).toBe(2);
    expect(() => s.term(19)).toThrow(CompactedError);
    expect(() => s.entries(20, 22)).toThrow(CompactedError);
    expect(s.stats().snapshotsWritten).toBe(before.snapshotsWritten);
    // Folded into the next Ready's transaction: one batch writes entries, snapshot and compaction.
    await s.persist({
      hardState: { term: 2, vote: 'n1', commit: 31 },
      entries: [entry(31, 2)],
      snapshot: null,
    });
    const after = s.stats();
    expect(after.batches).toBe(before.batches + 1);
    expect(after.snapshotsWritten).toBe(1);
    expect(after.entriesCompacted).toBe(20);
    s = await reopen(s);
    expect(s.snapshot()?.meta).toEqual({ index: 20, term: 2, conf });
    expect(str(s.snapshot()?.data)).toBe('state@20');
    expect(s.firstIndex()).toBe(21);
    expect(s.lastIndex()).toBe(31);
    expect(s.entries(21, 32).map(text)).toEqual(Array.from({ length: 11 }, (_, k) => `e${k + 21}`));
    expect(s.initialState().confState).toEqual(conf);
  });

  it('keeps a catch-up tail: the log may begin before the snapshot, never after it', async () => {
    let s = await withLog();
    s.createSnapshot(25, conf, bytes('state@25'));
    s.compact(10);
    await s.flush();
    s = await reopen(s);
    expect(s.snapshot()?.meta.index).toBe(25);
    expect(s.firstIndex()).toBe(11);
    expect(s.term(10)).toBe(1);
    expect(s.entries(11, 13).map(text)).toEqual(['e11', 'e12']);
    // compact past the snapshot would lose entries 26..: refused.
    expect(refused(() => s.compact(26)).message).toMatch(/latest snapshot is at 25/);
    expect(refused(() => s.createSnapshot(25, conf, bytes('again'))).message).toMatch(/not newer than 25/);
    s.compact(25);
    await s.flush();
    s = await reopen(s);
    expect(s.firstIndex()).toBe(26);
  });

  it('reopens after a snapshot that compacted nothing (taken inside the catch-up window): the log still begins at 1', async () => {
    let s = await withLog();
    s.createSnapshot(20, conf, bytes('state@20'));
    await s.flush();
    s = await reopen(s);
    expect(s.snapshot()?.meta.index).toBe(20);
    expect(s.firstIndex()).toBe(1);
    expect(s.lastIndex()).toBe(30);
    expect(s.entries(1, 3).map(text)).toEqual(['e1', 'e2']);
    // A later compaction is remembered as usual.
    s.compact(15);
    await s.flush();
    s = await reopen(s);
    expect(s.firstIndex()).toBe(16);
  });

  it('lets a snapshot installed from the leader overtake one of ours that was not written yet', async () => {
    let s = await withLog();
    s.createSnapshot(20, conf, bytes('ours@20'));
    s.compact(20);
    const leaders = { meta: { index: 50, term: 3, conf }, data: bytes('leader@50') };
    await s.persist({ hardState: { term: 3, vote: null, commit: 50 }, entries: [], snapshot: leaders });
    await s.flush();
    expect(s.snapshot()?.meta.index).toBe(50);
    s = await reopen(s);
    expect(str(s.snapshot()?.data)).toBe('leader@50');
    expect(s.firstIndex()).toBe(51);
    expect(s.lastIndex()).toBe(50);
    expect(s.term(50)).toBe(3);
  });

  it('writes a pending snapshot when closed', async () => {
    let s = await withLog();
    s.createSnapshot(30, conf, bytes('state@30'));
    s.compact(30);
    s = await reopen(s);
    expect(s.snapshot()?.meta.index).toBe(30);
    expect(s.firstIndex()).toBe(31);
  });

  it('initialises a first start killed before its first transaction (an empty LMDB file), never a restart', async () => {
    const env = open({ path: store.path, compression: false, maxDbs: 4 });
    await env.close();
    expect(refused(() => openStore({ mode: 'mustExist' })).message).toMatch(/format marker/);
    const s = openStore({ mode: 'createIfMissing' });
    expect(s.lastIndex()).toBe(0);
  });

  it('remembers the bootstrap membership of a joining node', async () => {
    const joining = { voters: ['n1', 'n2', 'n3'], learners: ['n4'] };
    let s = openStore({ bootstrapConf: joining });
    expect(s.initialState().confState).toEqual(joining);
    s = await reopen(s);
    expect(s.initialState().confState).toEqual(joining);
  });
});

describe('LmdbStorage start-up checks with snapshots', () => {
  async function compactedStore(catchUp: number): Promise<void> {
    const s = await withLog();
    s.createSnapshot(20, conf, bytes('state@20'));
    s.compact(20 - catchUp);
    await s.close();
  }
  const mustExist = () => openStore({ mode: 'mustExist' });

  it('the log must begin right after the compaction point: an entry before it is refused', async () => {
    await compactedStore(0);
    await tamper(({ log }) => log.putSync(20, Buffer.from(new Uint8Array(20))));
    const e = refused(mustExist);
    expect(e.kind).toBe('inconsistent');
    expect(e.message).toMatch(/log entry 20 precedes the log start 21/);
    expect(e.path).toBe(store.path);
  });

  it('a gap right after the snapshot is refused', async () => {
    await compactedStore(0);
    await tamper(({ log }) => log.removeSync(21));
    expect(refused(mustExist).message).toMatch(/gap: 21 missing \(log must begin at 21, snapshot at 20\)/);
  });

  it('a snapshot whose data was altered is refused', async () => {
    await compactedStore(0);
    await tamper(({ meta }) => {
      const rec = meta.get('snapshot') as { data: Uint8Array };
      meta.putSync('snapshot', { ...rec, data: bytes('state@21') });
    });
    const e = refused(mustExist);
    expect(e.kind).toBe('corrupt');
    expect(e.message).toMatch(/snapshot fails its checksum/);
  });

  it('a compaction point past the snapshot is refused', async () => {
    await compactedStore(0);
    await tamper(({ meta }) => meta.putSync('compaction', seal({ index: 25, term: 2 })));
    expect(refused(mustExist).message).toMatch(/compacted to 25, past the snapshot at 20/);
  });

  it('a snapshot whose term disagrees with the log entry at its index is refused', async () => {
    await compactedStore(5);
    await tamper(({ meta }) => {
      const rec = meta.get('snapshot') as Record<string, unknown>;
      meta.putSync('snapshot', seal({ ...rec, term: 1 }));
    });
    expect(refused(mustExist).message).toMatch(/log entry 20 has term 2, the snapshot there has term 1/);
  });

  it('a snapshot without voters is refused', async () => {
    await compactedStore(0);
    await tamper(({ meta }) => {
      const rec = meta.get('snapshot') as Record<string, unknown>;
      meta.putSync('snapshot', seal({ ...rec, conf: { voters: [], learners: [] } }));
    });
    expect(refused(mustExist).message).toMatch(/no valid configuration/);
  });
});

describe('LmdbStorage survives a crash in the middle of snapshot work', () => {
  it('SIGKILLed at random moments while taking, compacting and installing snapshots: old or new, never a mix', async () => {
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      const catchUp = round % 2 === 0 ? 0 : 15;
      const acked = await runAndKill(store.path, catchUp, 20 + ((round * 53) % 120));
      const s = openStore({ mode: 'mustExist' }); // the start-up checks run here
      const snap = s.snapshot();
      // The writer acknowledged a durable snapshot this round: it survives (a newer one may too).
      expect(snap, `round ${round}`).not.toBeNull();
      if (!snap) continue;
      expect(snap.meta.index, `round ${round}`).toBeGreaterThanOrEqual(acked);
      // The snapshot's data is the state at its own index (never another snapshot's data).
      expect(str(snap.data).split('|')[0]).toBe(`state@${snap.meta.index}`);
      // The compaction written with it, never an older or newer one: the log begins right after
      // the snapshot (an installed one, or catch-up 0) or `catchUp` entries before it.
      const allowedFirst =
        catchUp === 0 ? [snap.meta.index + 1] : [snap.meta.index + 1, snap.meta.index + 1 - catchUp];
      expect(allowedFirst, `round ${round}: log begins at ${s.firstIndex()}`).toContain(s.firstIndex());
      expect(s.lastIndex()).toBeGreaterThanOrEqual(snap.meta.index);
      if (s.lastIndex() >= s.firstIndex()) {
        const all = s.entries(s.firstIndex(), s.lastIndex() + 1);
        expect(all.map((e) => e.index)).toEqual(
          Array.from({ length: s.lastIndex() - s.firstIndex() + 1 }, (_, k) => s.firstIndex() + k),
        );
      }
      await s.close(); // (closing again after the test is a no-op)
    }
  }, 60_000);
});

/**
 * Start the writer on `store`, let it run `ms` after its first durable snapshot, then SIGKILL it.
 * Returns the index of the last snapshot it acknowledged as durable.
 */
async function runAndKill(store: string, catchUp: number, ms: number): Promise<number> {
  const child = spawn(process.execPath, [WRITER, store, String(catchUp)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  let out = '';
  let acked = 0;
  let onFirstSnapshot = () => {};
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^snapshot (\d+)$/.exec(line);
      if (!m) continue;
      acked = Number(m[1]);
      onFirstSnapshot();
    }
  });
  // 'close': the process is gone and its stdout read to the end (every acknowledgement seen).
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  // Kill only once a snapshot is durable, so the crash always lands in snapshot work on a store
  // holding one (the first round starts from an empty store); the deadline allows for a loaded machine.
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`writer wrote no snapshot: ${err}`)), 15_000);
    onFirstSnapshot = () => {
      clearTimeout(t);
      resolve();
    };
    child.on('exit', () => reject(new Error(`writer exited early: ${err}`)));
  });
  // Let it work for a while (the kill moment is the point of the test, not a wait for a condition).
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  await closed;
  expect(err).toBe('');
  return acked;
}
