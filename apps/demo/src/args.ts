/** Command-line options of `pnpm demo`, read with node:util parseArgs. */
import { parseArgs } from 'node:util';

export interface DemoOptions {
  readonly nodes: number;
  /** Target length of the scripted scenario, in seconds (the waits for conditions come on top). */
  readonly durationS: number;
  readonly seed: number;
  readonly port: number;
  readonly serve: boolean;
  readonly processes: boolean;
  readonly clients: number;
  readonly help: boolean;
}

export const DEFAULT_OPTIONS: DemoOptions = {
  nodes: 5,
  durationS: 40,
  seed: 1,
  port: 7070,
  serve: false,
  processes: false,
  clients: 4,
  help: false,
};

export const USAGE = `usage: pnpm demo [options]

  --nodes N        cluster size, 3..9 (default 5)
  --duration S     target scenario length in seconds, 15..600 (default 40)
  --seed N         seed of the workload and the cluster's election jitter (default 1)
  --port P         visualizer port (default 7070; a free port if it is taken)
  --clients N      concurrent KV clients, 1..32 (default 4)
  --serve          keep the cluster and the page up after the scenario, until Ctrl-C
  --processes      one OS process per node over TCP (@raftkit/net) instead of worker threads
  --help           this text
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const OPTIONS = {
  nodes: { type: 'string' },
  duration: { type: 'string' },
  seed: { type: 'string' },
  port: { type: 'string' },
  clients: { type: 'string' },
  serve: { type: 'boolean' },
  processes: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** node:util's refusal, said the way this CLI says it (naming the option or argument at fault). */
function usageErrorOf(e: unknown): UsageError {
  const message = e instanceof Error ? e.message : String(e);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? message;
  switch ((e as { code?: string }).code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unknown option '${quoted}'`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = /(--[\w-]+)/.exec(message)?.[1] ?? quoted;
      return new UsageError(
        /does not take an argument/.test(message) ? `${name} takes no value` : `${name} needs a value`,
      );
    }
    default:
      return new UsageError(message);
  }
}

function readFlags(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, strict: true }).values;
}

export function parseDemoArgs(argv: readonly string[]): DemoOptions {
  let values: ReturnType<typeof readFlags>;
  try {
    values = readFlags(argv);
  } catch (e) {
    throw usageErrorOf(e);
  }
  const int = (name: keyof typeof OPTIONS, min: number, max: number, dflt: number): number => {
    const raw = values[name];
    if (raw === undefined) return dflt;
    if (raw === '' || typeof raw !== 'string') throw new UsageError(`--${name} needs a value`);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(`--${name} must be an integer in ${min}..${max}, got '${raw}'`);
    }
    return n;
  };
  return {
    nodes: int('nodes', 3, 9, DEFAULT_OPTIONS.nodes),
    durationS: int('duration', 15, 600, DEFAULT_OPTIONS.durationS),
    seed: int('seed', 0, 2 ** 31 - 1, DEFAULT_OPTIONS.seed),
    port: int('port', 0, 65535, DEFAULT_OPTIONS.port),
    serve: values.serve ?? DEFAULT_OPTIONS.serve,
    processes: values.processes ?? DEFAULT_OPTIONS.processes,
    clients: int('clients', 1, 32, DEFAULT_OPTIONS.clients),
    help: values.help ?? DEFAULT_OPTIONS.help,
  };
}
