#!/usr/bin/env node
/**
 * `pnpm sim`: run many seeds of the cluster simulator in parallel, or replay
 * one seed (with its full trace). Exit status 1 on any invariant violation or
 * non-linearizable history.
 */
import { type CliArgs, CliError, parseCliArgs, simOptionsOf, USAGE } from './cli-args.js';
import { formatComparison, summarizeVariant, TIMEOUT_VARIANTS, type VariantReport } from './jitter.js';
import type { SimOptions } from './options.js';
import { runSeedsOnPool } from './pool.js';
import { runSeed } from './run-seed.js';
import {
  addResult,
  emptyAggregate,
  failureReason,
  formatAggregate,
  formatSeed,
  replayCommand,
  seedFailed,
} from './summary.js';
import { tracedReplayOutput } from './traced-replay.js';

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const base = simOptionsOf(args);
  if (args.compareTimeouts) return compareTimeouts(args, base);

  if (args.seed !== null) {
    const r = runSeed({ ...base, seed: args.seed, trace: args.trace });
    // A traced replay prints no wall-clock numbers, so that two runs are byte-identical.
    const { trace: _trace, wallMs, ...rest } = r;
    process.stdout.write(args.trace ? tracedReplayOutput(r) : `${formatSeed(r)}\n`);
    if (args.json) process.stdout.write(`${JSON.stringify(args.trace ? rest : { ...rest, wallMs })}\n`);
    return seedFailed(r) ? 1 : 0;
  }

  const seeds = Array.from({ length: args.seeds }, (_, i) => args.from + i);
  const agg = emptyAggregate();
  const started = performance.now();
  const tty = process.stderr.isTTY === true;
  let lastProgress = 0;
  const progress = (final: boolean) => {
    const now = performance.now();
    if (!final && now - lastProgress < (tty ? 200 : 5_000)) return;
    lastProgress = now;
    const line =
      `[sim] ${agg.seeds}/${seeds.length} seeds  violations ${agg.violations}  ` +
      `non-linearizable ${agg.nonLinearizable}  unknown ${agg.unknown}  ${((now - started) / 1000).toFixed(1)}s`;
    process.stderr.write(tty ? `\r${line}${final ? '\n' : ''}` : `${line}\n`);
  };
  await runSeedsOnPool({
    seeds,
    base,
    threads: args.threads ?? undefined,
    onResult: (r) => {
      addResult(agg, r);
      if (seedFailed(r)) {
        const why = formatSeed(r).split('\n');
        process.stderr.write(
          `${tty ? '\n' : ''}${why[0]}\n${why.filter((l) => l.includes('VIOLATION') || l.includes('replay')).join('\n')}\n`,
        );
      }
      progress(false);
    },
  });
  progress(true);
  const elapsedMs = performance.now() - started;
  agg.failingSeeds.sort((a, b) => a.seed - b.seed);
  agg.unknownSeeds.sort((a, b) => a - b);
  process.stdout.write(`${formatAggregate(agg, elapsedMs)}\n`);
  if (args.json) {
    const summary = {
      ...agg,
      nodes: args.nodes,
      ticks: args.ticks,
      profile: args.profile,
      bugs: args.bugs,
      timeouts: args.raft.timeouts ?? 'fixed',
      priorities: args.priorities,
      firstSeed: args.from,
      elapsedMs: Math.round(elapsedMs),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  return agg.violations > 0 || agg.nonLinearizable > 0 ? 1 : 0;
}

/** `--compare-timeouts`: the same seeds once per timeout variant, then a comparison table. */
async function compareTimeouts(args: CliArgs, base: Omit<SimOptions, 'seed'>): Promise<number> {
  const seeds = Array.from({ length: args.seeds }, (_, i) => args.from + i);
  const started = performance.now();
  const reports: VariantReport[] = [];
  for (const v of TIMEOUT_VARIANTS) {
    const results = await runSeedsOnPool({
      seeds,
      base: { ...base, ...v.options },
      threads: args.threads ?? undefined,
      onResult: (r) => {
        if (seedFailed(r))
          process.stderr.write(
            `${v.name} seed ${r.seed}: ${failureReason(r)}\n  replay: ${replayCommand(r)}\n`,
          );
      },
    });
    reports.push(summarizeVariant(v, results));
    process.stderr.write(
      `[sim] ${v.name}: ${seeds.length} seeds, ${((performance.now() - started) / 1000).toFixed(1)}s\n`,
    );
  }
  const elapsedMs = Math.round(performance.now() - started);
  process.stdout.write(
    `profile ${args.profile}, ${args.nodes} nodes, ${args.ticks} ticks, seeds ${args.from}..${args.from + args.seeds - 1}\n`,
  );
  process.stdout.write(`${formatComparison(reports)}\n`);
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ profile: args.profile, nodes: args.nodes, ticks: args.ticks, firstSeed: args.from, seeds: args.seeds, variants: reports, elapsedMs })}\n`,
    );
  }
  return reports.some((r) => r.violations + r.nonLinearizable > 0) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`sim: ${err.message}\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`sim: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 2;
    }
  },
);
