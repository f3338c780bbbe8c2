import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { StorageError, storageErrorFrom } from '../errors.js';

/**
 * One opener per store, across processes and threads. Two actors on one
 * LMDB store (LMDB itself allows several processes) would each believe its
 * own log: the second one's writes silently replace the first one's.
 *
 * On Linux the lock is an abstract unix socket whose name is derived from the
 * store's real path: the kernel lets one socket hold a name at a time, in any
 * thread of any process, and frees it when its holder exits, however it
 * exits. A kill -9 leaves nothing behind to clean up. Elsewhere the lock is
 * the holder file alone, judged by whether its pid is alive.
 *
 * The holder file `<store>.lock` says who holds it (pid), so that the refusal
 * can name the holder. The lock is taken by the thread that spawns the actor
 * (the cluster's), held while the actor's worker exists, and released once
 * the worker has exited.
 */
export interface StoreLock {
  readonly path: string;
  /** Release (once the store is closed). Resolves when another opener may take it. */
  release(): Promise<void>;
}

interface HolderRecord {
  readonly pid: number;
  readonly since: string;
}

/** Locks held by this thread (a key's entry stays while its release is in flight). */
const held = new Map<string, { releasing: Promise<void> | null }>();

export async function acquireStoreLock(storePath: string): Promise<StoreLock> {
  const path = resolve(storePath);
  const holderFile = `${path}.lock`;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw storageErrorFrom(error, dirname(path), 'cannot create the data directory');
  }
  const key = lockKey(path);
  const mine = held.get(key);
  if (mine?.releasing) await mine.releasing;
  else if (mine) throw lockedBy(path, holderFile, process.pid);

  const server = process.platform === 'linux' ? await listenExclusive(key, path, holderFile) : null;
  if (!server) {
    const holder = readHolder(holderFile);
    if (holder && holder.pid !== process.pid && isAlive(holder.pid))
      throw lockedBy(path, holderFile, holder.pid);
  }
  const entry: { releasing: Promise<void> | null } = { releasing: null };
  held.set(key, entry);
  try {
    writeFileSync(
      holderFile,
      `${JSON.stringify({ pid: process.pid, since: new Date().toISOString() } satisfies HolderRecord)}\n`,
    );
  } catch (error) {
    held.delete(key);
    server?.close();
    throw storageErrorFrom(error, holderFile, 'cannot write the lock file');
  }
  let released: Promise<void> | null = null;
  return {
    path,
    release() {
      released ??= (async () => {
        if (readHolder(holderFile)?.pid === process.pid) rmSync(holderFile, { force: true });
        if (server) await new Promise<void>((r) => server.close(() => r()));
        held.delete(key);
      })();
      entry.releasing = released;
      return released;
    },
  };
}

/** The socket name: a hash of the store's real path (two spellings of one directory are one lock). */
function lockKey(path: string): string {
  let real: string;
  try {
    real = join(realpathSync(dirname(path)), basename(path));
  } catch {
    real = path;
  }
  return `\0raftkit-store-lock-${createHash('sha256').update(real).digest('hex').slice(0, 48)}`;
}

/** Hold the abstract socket name `key`, or throw StorageError('locked') naming the holder. */
async function listenExclusive(key: string, path: string, holderFile: string): Promise<Server> {
  const server = createServer();
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen({ path: key, exclusive: true }, () => ok());
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw lockedBy(path, holderFile, readHolder(holderFile)?.pid ?? null);
    }
    throw storageErrorFrom(error, path, 'cannot take the store lock');
  }
  // The lock must not keep the process alive.
  server.unref();
  return server;
}

function lockedBy(path: string, holderFile: string, pid: number | null): StorageError {
  const who =
    pid === process.pid
      ? `this process (pid ${pid}): another cluster or node in it has this store open`
      : pid === null
        ? `another process (its pid is not recorded in ${holderFile})`
        : `process ${pid}`;
  return new StorageError('locked', path, `the store is in use by ${who}`);
}

function readHolder(file: string): HolderRecord | null {
  try {
    const rec = JSON.parse(readFileSync(file, 'utf8')) as HolderRecord;
    return Number.isSafeInteger(rec.pid) && rec.pid > 0 ? rec : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
