/** Command-line options of `pnpm demo`. */

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

export function parseDemoArgs(argv: readonly string[]): DemoOptions {
  const o: { -readonly [K in keyof DemoOptions]: DemoOptions[K] } = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${name} needs a value`);
      return v;
    };
    const int = (min: number, max: number): number => {
      const raw = value();
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min || n > max) {
        throw new UsageError(`${name} must be an integer in ${min}..${max}, got '${raw}'`);
      }
      return n;
    };
    switch (name) {
      case '--nodes':
        o.nodes = int(3, 9);
        break;
      case '--duration':
        o.durationS = int(15, 600);
        break;
      case '--seed':
        o.seed = int(0, 2 ** 31 - 1);
        break;
      case '--port':
        o.port = int(0, 65535);
        break;
      case '--clients':
        o.clients = int(1, 32);
        break;
      case '--serve':
        o.serve = true;
        break;
      case '--processes':
        o.processes = true;
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  return o;
}
