import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { StorageError, storageErrorFrom } from '../errors.js';

const META_MAGIC = 0xbeefc0de;

interface MetaPage {
  readonly pageSize: number;
  readonly lastPage: bigint;
  readonly txnId: bigint;
}

/**
 * Check an LMDB data file before lmdb-js maps it. LMDB trusts its file: a
 * truncated data.mdb makes the process die with SIGBUS/SIGSEGV on open
 * (measured with lmdb-js 3.5), which would take the whole cluster down. So we
 * read the two meta pages ourselves and require the file to cover the last
 * page the newest meta page refers to.
 *
 * A valid file can end before that page: pages a transaction allocated and
 * freed again before commit (large values rewritten, deleted ranges) count in
 * the meta page's last page but were never written, so the file never grew
 * over them (seen after ordinary commits and a clean close). Only when the
 * file is that short do we read every record back, in a child process, where
 * a missing page kills the child with SIGBUS instead of this process: a file
 * that reads back completely is valid, one that does not is truncated.
 *
 * Two page-header layouts exist: LMDB 0.9 (16-byte header) and the 1.0
 * format lmdb-js ships (24-byte header, page txnid). We accept either.
 */
export function checkLmdbDataFile(file: string): void {
  const { size, needed } = lmdbFileBounds(file);
  if (BigInt(size) < needed) {
    const failure = readBackFailure(dirname(file));
    if (failure !== null) {
      throw new StorageError(
        'corrupt',
        file,
        `file is truncated: ${size} bytes, meta page needs ${needed}, and reading it back fails (${failure})`,
      );
    }
  }
}

/**
 * The data file's size and the bytes its newest meta page says it spans
 * (StorageError 'missing' when there is no file, 'corrupt' when its meta
 * pages are not LMDB's).
 */
export function lmdbFileBounds(file: string): { size: number; needed: bigint } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new StorageError('missing', file, `cannot open data file (${(err as Error).message})`);
    }
    throw storageErrorFrom(err, file, 'cannot open data file');
  }
  try {
    return readBounds(fd, file);
  } finally {
    closeSync(fd);
  }
}

function readBounds(fd: number, file: string): { size: number; needed: bigint } {
  const size = fstatSync(fd).size;
  if (size === 0) throw new StorageError('corrupt', file, 'data file is empty (truncated)');
  const first = readAt(fd, 0, Math.min(size, 256));
  const layout = detectLayout(first);
  if (!layout) throw new StorageError('corrupt', file, 'no LMDB meta page at the start of the file');
  const meta0 = parseMeta(first, layout.headerSize);
  if (!meta0) throw new StorageError('corrupt', file, 'first LMDB meta page is invalid');
  const ps = meta0.pageSize;
  if (size < ps * 2)
    throw new StorageError('corrupt', file, `file is ${size} bytes, smaller than its two meta pages`);
  const meta1 = parseMeta(readAt(fd, ps, 256), layout.headerSize);
  const newest = meta1 && meta1.txnId > meta0.txnId ? meta1 : meta0;
  return { size, needed: (newest.lastPage + 1n) * BigInt(ps) };
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

function detectLayout(buf: Buffer): { headerSize: number } | null {
  for (const headerSize of [24, 16]) {
    if (buf.length >= headerSize + 4 && buf.readUInt32LE(headerSize) === META_MAGIC) return { headerSize };
  }
  return null;
}

/**
 * MDB_meta after the page header: magic u32, version u32, address u64,
 * mapsize u64, dbs[2] (48 bytes each; dbs[0].md_pad holds the page size),
 * last_pg u64, txnid u64.
 */
function parseMeta(buf: Buffer, headerSize: number): MetaPage | null {
  const m = headerSize;
  if (buf.length < m + 24 + 96 + 16) return null;
  if (buf.readUInt32LE(m) !== META_MAGIC) return null;
  const pageSize = buf.readUInt32LE(m + 24);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return null;
  const lastPage = buf.readBigUInt64LE(m + 24 + 96);
  const txnId = buf.readBigUInt64LE(m + 24 + 96 + 8);
  return { pageSize, lastPage, txnId };
}

/** Reads every value of every database of the environment in `dir`: what a short file must survive. */
const READ_BACK = `
const { open } = require(process.argv[1]);
const env = open({ path: process.argv[2], readOnly: true, encoding: 'binary', keyEncoding: 'binary' });
const names = [];
for (const { key } of env.getRange({})) names.push(key.toString());
for (const name of names) {
  const db = env.openDB({ name, encoding: 'binary', keyEncoding: 'binary' });
  for (const { value } of db.getRange({})) if (value.length < 0) process.exit(3);
}
env.close();
`;

/** null when the environment reads back completely; otherwise what went wrong. */
function readBackFailure(dir: string): string | null {
  const lmdb = createRequire(import.meta.url).resolve('lmdb');
  const r = spawnSync(process.execPath, ['-e', READ_BACK, lmdb, dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 300_000,
  });
  if (r.status === 0) return null;
  if (r.error) return `read-back check could not run: ${r.error.message}`;
  if (r.signal) return `signal ${r.signal}`;
  const why = r.stderr?.toString().trim().split('\n').at(-1) ?? '';
  return `exit ${r.status}${why ? `: ${why}` : ''}`;
}
