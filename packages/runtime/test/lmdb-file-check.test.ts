/**
 * The data-file check before LMDB maps a store. A file shorter than the last
 * page its meta page names is not always truncated: pages a transaction
 * allocated and freed again before commit were never written. Such a file
 * must open; a really truncated one must be refused (without the SIGBUS that
 * reading it would cost the process).
 */
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError } from '../src/errors.js';
import { checkLmdbDataFile, lmdbFileBounds } from '../src/storage/lmdb-file-check.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Rewrites and deletes large values until the file ends before its meta page's last page. */
async function shortButValidStore(): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'raftkit-lmdb-check-'));
    dirs.push(dir);
    const env = open({ path: dir, overlappingSync: false });
    const db = env.openDB('values');
    for (let t = 0; t < 40; t++) {
      await env.transaction(() => {
        for (let i = 0; i < 50; i++) {
          const big = i % 10 === 0 ? 20_000 * (1 + (t % 5)) : 0;
          db.put(`k${(t * 50 + i) % 700}`, Buffer.alloc(100 + ((t * 37 + i * attempt) % 3000) + big, t));
        }
        for (let i = 0; i < 20; i++) db.remove(`k${(t * 13 + i * 7 + attempt) % 700}`);
      });
    }
    await env.close();
    const { size, needed } = lmdbFileBounds(join(dir, 'data.mdb'));
    if (BigInt(size) < needed) return dir;
  }
  throw new Error('no short store in 20 attempts');
}

describe('LMDB data-file check', () => {
  it('a valid file that ends before its last allocated page opens and reads back', async () => {
    const dir = await shortButValidStore();
    const file = join(dir, 'data.mdb');
    expect(() => checkLmdbDataFile(file)).not.toThrow();
    const env = open({ path: dir, readOnly: true });
    expect(env.openDB('values').getCount()).toBeGreaterThan(0);
    await env.close();
  });

  it('the same file cut in half is refused as corrupt, naming the file', async () => {
    const dir = await shortButValidStore();
    const file = join(dir, 'data.mdb');
    truncateSync(file, Math.floor(lmdbFileBounds(file).size / 2));
    let error: unknown;
    try {
      checkLmdbDataFile(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).kind).toBe('corrupt');
    expect((error as Error).message).toMatch(/data\.mdb.*truncated.*reading it back fails/);
  });
});
