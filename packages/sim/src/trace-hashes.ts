#!/usr/bin/env node
/**
 * `node packages/sim/dist/trace-hashes.js [--write] [--seeds N] [--threads K]`:
 * recomputes the sha256 of `raftkit-sim --seed S --trace --profile P` for seeds
 * 1..N (default 100) of every nemesis profile, on worker threads, and compares
 * them with test/fixtures/trace-hashes.json (exit 1 on any difference), or with
 * --write records them. A refactor of core or sim must leave every one unchanged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { PROFILES } from './nemesis/index.js';
import type { SimOptions } from './options.js';
import {
  TRACE_HASH_COMMAND,
  TRACE_HASHES_URL,
  type TraceHashes,
  tracedReplayOptions,
} from './traced-replay.js';

const USAGE = 'usage: node packages/sim/dist/trace-hashes.js [--write] [--seeds N] [--threads K]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      write: { type: 'boolean', default: false },
      seeds: { type: 'string', default: '100' },
      threads: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const seeds = Number(values.seeds);
  const threads = values.threads === undefined ? availableParallelism() : Number(values.threads);
  if (!Number.isSafeInteger(seeds) || seeds < 1)
    throw new Error(`--seeds needs an integer >= 1, got ${values.seeds}`);
  if (!Number.isSafeInteger(threads) || threads < 1)
    throw new Error(`--threads needs an integer >= 1, got ${values.threads}`);

  const profiles = Object.keys(PROFILES);
  const tasks = profiles.flatMap((p) =>
    Array.from({ length: seeds }, (_, i) => tracedReplayOptions(p, 1 + i)),
  );
  const pool = new Piscina<SimOptions, string>({
    filename: new URL('./trace-hash-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  const started = performance.now();
  let done = 0;
  const computed = await Promise.all(
    tasks.map(async (t) => {
      const h = await pool.run(t);
      if (++done % 50 === 0)
        process.stderr.write(
          `[trace-hashes] ${done}/${tasks.length}  ${((performance.now() - started) / 1000).toFixed(0)}s\n`,
        );
      return h;
    }),
  );
  await pool.destroy();
  const hashes: Record<string, string[]> = {};
  profiles.forEach((p, j) => {
    hashes[p] = computed.slice(j * seeds, (j + 1) * seeds);
  });

  if (values.write) {
    const file: TraceHashes = { command: TRACE_HASH_COMMAND, firstSeed: 1, hashes };
    writeFileSync(TRACE_HASHES_URL, `${JSON.stringify(file, null, 2)}\n`);
    process.stdout.write(`recorded ${tasks.length} trace hashes in ${TRACE_HASHES_URL.pathname}\n`);
    return 0;
  }
  const recorded = JSON.parse(readFileSync(TRACE_HASHES_URL, 'utf8')) as TraceHashes;
  const differ: string[] = [];
  for (const p of profiles)
    hashes[p].forEach((h, i) => {
      const want = recorded.hashes[p]?.[i];
      if (want === undefined) differ.push(`${p} seed ${1 + i}: not recorded`);
      else if (want !== h) differ.push(`${p} seed ${1 + i}: ${h} (recorded ${want})`);
    });
  for (const d of differ) process.stdout.write(`${d}\n`);
  process.stdout.write(
    `${tasks.length - differ.length}/${tasks.length} traces byte-identical to ${TRACE_HASHES_URL.pathname}\n`,
  );
  return differ.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`trace-hashes: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exitCode = 2;
  },
);
