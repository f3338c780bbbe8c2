import { parseArgs } from 'node:util';
import { NEMESES, type NemesisKind } from './schedule.js';

export const USAGE = `usage: pnpm torture [--nodes 3|5] [--duration S] [--nemesis ${NEMESES.join(',')},all|none] [--seed S] [--clients N] [--keep] [--json]

  --nodes      node processes (odd, 3..7; default 3)
  --duration   seconds of faults (default 60); healing and the checks come after
  --nemesis    comma-separated fault kinds (default all); unavailable ones are skipped with a reason
  --seed       schedule seed (default random); a failing run prints its replay command
  --clients    concurrent clients (default 4)
  --keep       keep the node logs and data even when the run passes
  --json       print the result as one JSON line after the report`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface TortureArgs {
  readonly nodes: number;
  readonly durationS: number;
  readonly nemeses: NemesisKind[];
  readonly seed: number;
  readonly clients: number;
  readonly keep: boolean;
  readonly json: boolean;
  readonly help: boolean;
}

const OPTIONS = {
  nodes: { type: 'string' },
  duration: { type: 'string' },
  nemesis: { type: 'string' },
  seed: { type: 'string' },
  clients: { type: 'string' },
  keep: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

function readFlags(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, strict: true }).values;
}

/** Parse the command line (node:util parseArgs); bad input throws a UsageError that names the flag. */
export function parseTortureArgs(argv: readonly string[], randomSeed: () => number): TortureArgs {
  let flags: ReturnType<typeof readFlags>;
  try {
    flags = readFlags(argv);
  } catch (e) {
    // node:util names the flag or argument at fault (unknown, missing value, value for a switch, stray argument).
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const int = (
    name: 'nodes' | 'duration' | 'seed' | 'clients',
    fallback: number,
    min: number,
    max: number,
  ): number => {
    const raw = flags[name];
    if (raw === undefined) return fallback;
    if (raw === '') throw new UsageError(`--${name} needs a value`);
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  const nodes = int('nodes', 3, 3, 7);
  if (nodes % 2 === 0) throw new UsageError(`--nodes must be odd (3, 5 or 7), got ${nodes}`);
  return {
    nodes,
    durationS: int('duration', 60, 5, 86_400),
    nemeses: parseNemeses(flags.nemesis ?? 'all'),
    seed: int('seed', randomSeed(), 0, Number.MAX_SAFE_INTEGER),
    clients: int('clients', 4, 1, 64),
    keep: flags.keep ?? false,
    json: flags.json ?? false,
    help: flags.help ?? false,
  };
}

function parseNemeses(spec: string): NemesisKind[] {
  const out = new Set<NemesisKind>();
  for (const part of spec.split(',').map((s) => s.trim())) {
    if (part === 'all') for (const n of NEMESES) out.add(n);
    else if (part === 'none' || part === '') continue;
    else if ((NEMESES as readonly string[]).includes(part)) out.add(part as NemesisKind);
    else throw new UsageError(`--nemesis: unknown fault "${part}" (known: ${NEMESES.join(', ')}, all, none)`);
  }
  return [...out];
}
