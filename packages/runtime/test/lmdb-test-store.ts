import { join } from 'node:path';
import { open } from 'lmdb';
import { afterEach, beforeEach } from 'vitest';
import { LmdbStorage, type LmdbStorageOptions } from '../src/storage/lmdb-storage.js';
import { tempDir } from './helpers.js';

type Env = ReturnType<typeof open>;
const logDb = (env: Env) => env.openDB<Uint8Array, number>({ name: 'log', encoding: 'binary' });
const metaDb = (env: Env) => env.openDB<unknown, string>({ name: 'meta', encoding: 'msgpack' });
export type RawStore = { log: ReturnType<typeof logDb>; meta: ReturnType<typeof metaDb> };

/**
 * One LMDB store of node n1 per test, in a fresh temp dir: opened stores are
 * closed and the dir removed after each test. For the LmdbStorage tests.
 */
export function useTempLmdbStore(prefix: string) {
  let dir: ReturnType<typeof tempDir> | null = null;
  let path = '';
  const opened: LmdbStorage[] = [];
  beforeEach(() => {
    dir = tempDir(prefix);
    path = join(dir.path, 'n1');
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => {});
    dir?.remove();
  });
  const openStore = (extra: Partial<LmdbStorageOptions> = {}): LmdbStorage => {
    const s = LmdbStorage.open({ path, nodeId: 'n1', mode: 'createIfMissing', ...extra });
    opened.push(s);
    return s;
  };
  return {
    /** The store's path in this test. */
    get path(): string {
      return path;
    },
    openStore,
    /** Close `s` and open the store again (a restart: it must exist). */
    async reopen(s: LmdbStorage, extra: Partial<LmdbStorageOptions> = {}): Promise<LmdbStorage> {
      await s.close();
      return openStore({ mode: 'mustExist', ...extra });
    },
    /** Tamper with the raw store behind the storage's back (in one synchronous transaction). */
    async tamper(fn: (dbs: RawStore) => void): Promise<void> {
      const env = open({ path, compression: false, maxDbs: 4 });
      const dbs = { log: logDb(env), meta: metaDb(env) };
      env.transactionSync(() => fn(dbs));
      await env.close();
    },
  };
}
