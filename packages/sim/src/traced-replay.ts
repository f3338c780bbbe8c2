/**
 * What `raftkit-sim --seed S --trace` prints, and its sha256: the proof that a
 * refactor changed no behaviour is that every such output stays byte-identical
 * (test/fixtures/trace-hashes.json, checked by test/trace-hashes.test.ts and
 * `node packages/sim/dist/trace-hashes.js`).
 */
import { createHash } from 'node:crypto';
import { parseCliArgs, simOptionsOf } from './cli-args.js';
import type { SimOptions } from './options.js';
import { runSeed } from './run-seed.js';
import { formatSeed, type SeedResult } from './summary.js';

/**
 * The stdout of a traced single-seed replay (without `--json`): every trace
 * line, then the seed summary with its wall-clock time zeroed so that two runs
 * print the same bytes.
 */
export function tracedReplayOutput(r: SeedResult): string {
  return `${(r.trace ?? []).join('\n')}\n${formatSeed({ ...r, wallMs: 0 })}\n`;
}

/** sha256 (hex) of the stdout of `raftkit-sim --seed S --trace` with these options. */
export function traceHash(options: SimOptions): string {
  const r = runSeed({ ...options, trace: true });
  return createHash('sha256').update(tracedReplayOutput(r)).digest('hex');
}

/** The recorded hashes: `hashes[profile][i]` is the hash of seed `firstSeed + i`. */
export interface TraceHashes {
  /** The command each hash is of (S = the seed, P = the profile). */
  readonly command: string;
  readonly firstSeed: number;
  readonly hashes: Readonly<Record<string, readonly string[]>>;
}

/** Where the recorded hashes live (the same from src/ and dist/). */
export const TRACE_HASHES_URL = new URL('../test/fixtures/trace-hashes.json', import.meta.url);

export const TRACE_HASH_COMMAND = 'node packages/sim/dist/cli.js --seed S --trace --profile P';

/** The options `raftkit-sim --seed S --trace --profile P` runs with (the CLI's defaults otherwise). */
export function tracedReplayOptions(profile: string, seed: number): SimOptions {
  const args = parseCliArgs(['--seed', String(seed), '--trace', '--profile', profile]);
  return { ...simOptionsOf(args), seed, trace: true };
}
