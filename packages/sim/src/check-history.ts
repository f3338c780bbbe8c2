#!/usr/bin/env node
/**
 * `pnpm check-history FILE [--format jepsen|porcupine-kv|raftkit] [--budget-ms N] [--max-steps N] [--json]`
 *
 * Checks one history for linearizability and prints the verdict (with an explanation on a
 * violation). Exit status: 0 linearizable, 1 not linearizable, 2 unknown (budget ran out)
 * or error (unreadable file, bad format, bad arguments).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs as parseCommandLine } from 'node:util';
// Direct imports (not the barrel): the CLI need not load the worker-pool code.
import { checkHistoryFile, HISTORY_FORMATS, type HistoryFormat } from './checker/formats.js';
import { formatCheckResult } from './checker/report.js';

export const EXIT_LINEARIZABLE = 0;
export const EXIT_NOT_LINEARIZABLE = 1;
export const EXIT_UNKNOWN_OR_ERROR = 2;

const USAGE =
  'usage: check-history FILE [--format jepsen|porcupine-kv|raftkit] [--budget-ms N] [--max-steps N] [--json]';

export interface CliArgs {
  readonly file: string;
  readonly format?: HistoryFormat;
  readonly budgetMs?: number;
  readonly maxSteps?: number;
  readonly json: boolean;
}

const OPTIONS = {
  format: { type: 'string' },
  'budget-ms': { type: 'string' },
  'max-steps': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export class UsageError extends Error {
  readonly code = 'USAGE';
}

function readCommandLine(argv: readonly string[]) {
  return parseCommandLine({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}

export function parseArgs(argv: readonly string[]): CliArgs {
  let parsed: ReturnType<typeof readCommandLine>;
  try {
    parsed = readCommandLine(argv);
  } catch (e) {
    // node:util's own words (e.g. "Unknown option '--x'"), which name the option; lower-cased like ours.
    const why = e instanceof Error ? e.message : String(e);
    throw new UsageError(`${why.charAt(0).toLowerCase()}${why.slice(1)}`);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError(USAGE);
  if (positionals.length > 1) throw new UsageError('only one FILE, please');
  const file = positionals[0];
  if (file === undefined) throw new UsageError(USAGE);
  const number = (flag: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new UsageError(`${flag} needs a non-negative number`);
    }
    return n;
  };
  const f = values.format;
  if (f !== undefined && !HISTORY_FORMATS.includes(f as HistoryFormat)) {
    throw new UsageError(`--format must be one of ${HISTORY_FORMATS.join('|')}`);
  }
  return {
    file,
    format: f as HistoryFormat | undefined,
    budgetMs: number('--budget-ms', values['budget-ms']),
    maxSteps: number('--max-steps', values['max-steps']),
    json: values.json === true,
  };
}

/** Runs the CLI; returns the exit status. Output goes through `out`/`err` so tests can capture it. */
export async function main(
  argv: readonly string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return EXIT_UNKNOWN_OR_ERROR;
  }
  try {
    const { format, result } = await checkHistoryFile(args.file, {
      format: args.format,
      budgetMs: args.budgetMs,
      maxSteps: args.maxSteps,
    });
    if (args.json) out(`${JSON.stringify({ file: args.file, format, ...result })}\n`);
    else out(`${args.file} (${format}): ${formatCheckResult(result)}\n`);
    if (result.verdict === 'linearizable') return EXIT_LINEARIZABLE;
    return result.verdict === 'nonLinearizable' ? EXIT_NOT_LINEARIZABLE : EXIT_UNKNOWN_OR_ERROR;
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (args.json) out(`${JSON.stringify({ file: args.file, verdict: 'error', error: message })}\n`);
    err(`check-history: ${args.file}: ${message}\n`);
    return EXIT_UNKNOWN_OR_ERROR;
  }
}

function isEntryPoint(): boolean {
  const argv1 = process.argv[1];
  if (argv1 === undefined) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`check-history: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = EXIT_UNKNOWN_OR_ERROR;
    },
  );
}
