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

/** Parse the command line; bad input throws a UsageError that names the flag. */
export function parseTortureArgs(argv: readonly string[], randomSeed: () => number): TortureArgs {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (['json', 'keep', 'help'].includes(name)) {
      flags.set(name, true);
      continue;
    }
    if (!['nodes', 'duration', 'nemesis', 'seed', 'clients'].includes(name))
      throw new UsageError(`unknown flag --${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = flags.get(name);
    if (raw === undefined) return fallback;
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
    nemeses: parseNemeses(String(flags.get('nemesis') ?? 'all')),
    seed: int('seed', randomSeed(), 0, Number.MAX_SAFE_INTEGER),
    clients: int('clients', 4, 1, 64),
    keep: flags.has('keep'),
    json: flags.has('json'),
    help: flags.has('help'),
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
