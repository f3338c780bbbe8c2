#!/usr/bin/env node
/**
 * `pnpm sweep`: the wide safety sweep. Every nemesis profile at 3, 5 and 7
 * nodes, many seeds each, on one worker pool; a table of runs, violations and
 * non-linearizable histories per profile and size; exit 1 on any failure,
 * each failing run printed with its replay command.
 *
 * The default (30,120 runs: 10,200 of them membership) is the sweep every
 * core or membership change runs before it lands; 1,000 seeds from seed 1
 * once missed a two-leader schedule that seed 5108 shows.
 */
import { parseArgs } from 'node:util';
import { isProfileName, type NemesisProfileName, PROFILES } from './nemesis/index.js';
import type { SimOptions } from './options.js';
import { runTasksOnPool } from './pool.js';
import { failureReason, replayCommand, type SeedResult, seedFailed } from './summary.js';

const USAGE = `usage: pnpm sweep [--seeds N] [--membership-seeds M] [--nodes 3,5,7] [--profiles P,...]
                  [--from S0] [--ticks T] [--threads K] [--json]

  --seeds N             seeds per (profile, size) for every profile but membership (default 830)
  --membership-seeds M  seeds per size for the membership profile (default 3400)
  --nodes LIST          cluster sizes (default 3,5,7)
  --profiles LIST       profiles (default: every profile: ${Object.keys(PROFILES).join(',')})
  --from S0             first seed of every (profile, size) (default 1)
  --ticks T             length of each run in ticks (default 1000)
  --threads K           worker threads (default: one per core)
  --json                one JSON summary object on the last line of stdout
Exit status 1 when any run breaks an invariant or has a non-linearizable history.`;

interface Cell {
  runs: number;
  violations: number;
  nonLinearizable: number;
  unknown: number;
  ms: number;
}

function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seeds: { type: 'string', default: '830' },
      'membership-seeds': { type: 'string', default: '3400' },
      nodes: { type: 'string', default: '3,5,7' },
      profiles: { type: 'string', default: Object.keys(PROFILES).join(',') },
      from: { type: 'string', default: '1' },
      ticks: { type: 'string', default: '1000' },
      threads: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return Promise.resolve(0);
  }
  const seeds = count('--seeds', values.seeds);
  const membershipSeeds = count('--membership-seeds', values['membership-seeds']);
  const from = count('--from', values.from);
  const ticks = count('--ticks', values.ticks);
  const threads = values.threads === undefined ? undefined : count('--threads', values.threads);
  const sizes = values.nodes.split(',').map((n) => {
    const v = Number(n);
    if (v !== 3 && v !== 5 && v !== 7) throw new UsageError(`--nodes takes 3, 5 or 7, got ${n}`);
    return v;
  });
  const profiles = values.profiles.split(',').map((p) => {
    if (!isProfileName(p)) throw new UsageError(`unknown profile ${p} (${Object.keys(PROFILES).join(', ')})`);
    return p;
  });
  return sweep({ seeds, membershipSeeds, from, ticks, threads, sizes, profiles, json: values.json });
}

class UsageError extends Error {}

function count(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} takes a positive integer, got ${v}`);
  return n;
}

async function sweep(o: {
  seeds: number;
  membershipSeeds: number;
  from: number;
  ticks: number;
  threads: number | undefined;
  sizes: number[];
  profiles: NemesisProfileName[];
  json: boolean;
}): Promise<number> {
  const tasks: SimOptions[] = [];
  const cells = new Map<string, Cell>();
  for (const profile of o.profiles) {
    for (const nodes of o.sizes) {
      cells.set(key(profile, nodes), { runs: 0, violations: 0, nonLinearizable: 0, unknown: 0, ms: 0 });
      const n = profile === 'membership' ? o.membershipSeeds : o.seeds;
      for (let i = 0; i < n; i++) tasks.push({ seed: o.from + i, nodes, profile, ticks: o.ticks });
    }
  }
  const started = performance.now();
  let done = 0;
  let failed = 0;
  let lastProgress = 0;
  await runTasksOnPool(tasks, o.threads, (r: SeedResult) => {
    done++;
    const cell = cells.get(key(r.profile, r.nodes));
    if (cell !== undefined) {
      cell.runs++;
      cell.ms += r.wallMs;
      if (r.violations.length > 0) cell.violations++;
      if (r.verdict === 'nonLinearizable') cell.nonLinearizable++;
      if (r.verdict === 'unknown') cell.unknown++;
    }
    if (seedFailed(r)) {
      failed++;
      process.stderr.write(
        `FAILED ${r.profile} n=${r.nodes} seed ${r.seed}: ${failureReason(r)}\n  replay: ${replayCommand(r)}\n`,
      );
    }
    const now = performance.now();
    if (now - lastProgress > 10_000 || done === tasks.length) {
      lastProgress = now;
      process.stderr.write(
        `[sweep] ${done}/${tasks.length} runs, ${failed} failed, ${((now - started) / 1000).toFixed(0)}s\n`,
      );
    }
  });
  const elapsedMs = Math.round(performance.now() - started);
  const rows = [...cells.entries()].map(([k, c]) => ({ cell: k, ...c }));
  const lines = [
    `profile      nodes   runs  violations  non-lin  unknown  mean ms`,
    ...rows.map((r) => {
      const [profile, nodes] = r.cell.split(':');
      return `${profile.padEnd(12)} ${nodes.padStart(5)} ${String(r.runs).padStart(6)} ${String(r.violations).padStart(11)} ${String(r.nonLinearizable).padStart(8)} ${String(r.unknown).padStart(8)} ${(r.runs > 0 ? r.ms / r.runs : 0).toFixed(0).padStart(8)}`;
    }),
    `total: ${done} runs (${rows.filter((r) => r.cell.startsWith('membership:')).reduce((a, r) => a + r.runs, 0)} membership), ${failed} failed, ${(elapsedMs / 1000).toFixed(0)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify({ runs: done, failed, elapsedMs, firstSeed: o.from, ticks: o.ticks, cells: rows })}\n`,
    );
  }
  return failed > 0 ? 1 : 0;
}

function key(profile: string, nodes: number): string {
  return `${profile}:${nodes}`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err)) {
      process.stderr.write(`sweep: ${err.message}\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`sweep: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
