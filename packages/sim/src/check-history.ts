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

export class UsageError extends Error {
  readonly code = 'USAGE';
}

export function parseArgs(argv: readonly string[]): CliArgs {
  let file: string | undefined;
  let format: HistoryFormat | undefined;
  let budgetMs: number | undefined;
  let maxSteps: number | undefined;
  let json = false;
  const number = (flag: string, raw: string | undefined): number => {
    const n = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new UsageError(`${flag} needs a non-negative number`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--format': {
        const f = value();
        if (!HISTORY_FORMATS.includes(f as HistoryFormat)) {
          throw new UsageError(`--format must be one of ${HISTORY_FORMATS.join('|')}`);
        }
        format = f as HistoryFormat;
        break;
      }
      case '--budget-ms':
        budgetMs = number(flag, value());
        break;
      case '--max-steps':
        maxSteps = number(flag, value());
        break;
      case '--json':
        json = true;
        break;
      case '--help':
      case '-h':
        throw new UsageError(USAGE);
      default:
        if (flag.startsWith('--')) throw new UsageError(`unknown option ${flag}`);
        if (file !== undefined) throw new UsageError('only one FILE, please');
        file = arg;
    }
  }
  if (file === undefined) throw new UsageError(USAGE);
  return { file, format, budgetMs, maxSteps, json };
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
