/**
 * Command line of `pnpm sim`:
 *
 *   pnpm sim --seeds N [--nodes 3|5|7] [--ticks T] [--profile P] [--inject-bug B]...
 *            [--seed S] [--trace] [--json] [--from S0] [--threads K]
 */
import { isProfileName, type NemesisProfileName } from './nemesis/index.js';
import { BUG_NAMES, type BugName, DEFAULT_TICKS, isBugName } from './options.js';

export interface CliArgs {
  /** Number of seeds to run (from `from`), unless `seed` is set. */
  readonly seeds: number;
  readonly from: number;
  /** Replay exactly this seed in-thread. */
  readonly seed: number | null;
  readonly nodes: number;
  readonly ticks: number;
  readonly profile: NemesisProfileName;
  readonly bugs: readonly BugName[];
  readonly trace: boolean;
  readonly json: boolean;
  readonly threads: number | null;
  readonly help: boolean;
}

export class CliError extends Error {}

export const USAGE = `usage: pnpm sim --seeds N [--nodes 3|5|7] [--ticks T] [--profile P] [--inject-bug B]
                [--seed S] [--trace] [--json] [--from S0] [--threads K]

  --seeds N         run seeds S0..S0+N-1 in parallel (default 100)
  --from S0         first seed (default 1)
  --seed S          replay one seed in this thread (with --trace: print every event)
  --nodes 3|5|7     cluster size (default 5)
  --ticks T         length of each run in ticks (default ${DEFAULT_TICKS})
  --profile P       nemesis profile: partitions | crashes | clock | mixed (default) | none
  --inject-bug B    switch on a deliberate bug (repeatable): ${BUG_NAMES.join(', ')}
  --trace           print the full event trace of --seed S (deterministic)
  --json            print one JSON summary object on the last line of stdout
  --threads K       worker threads (default: one per core)
Exit status 1 when any seed breaks an invariant or has a non-linearizable history.`;

export function parseCliArgs(argv: readonly string[]): CliArgs {
  let seeds = 100;
  let from = 1;
  let seed: number | null = null;
  let nodes = 5;
  let ticks = DEFAULT_TICKS;
  let profile: NemesisProfileName = 'mixed';
  const bugs: BugName[] = [];
  let trace = false;
  let json = false;
  let threads: number | null = null;
  let help = false;

  const int = (flag: string, v: string | undefined, min: number): number => {
    if (v === undefined || !/^-?\d+$/.test(v))
      throw new CliError(`${flag} needs an integer, got ${v ?? 'nothing'}`);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min)
      throw new CliError(`${flag} must be an integer >= ${min}, got ${v}`);
    return n;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--seeds':
        seeds = int(flag, value(), 1);
        break;
      case '--from':
        from = int(flag, value(), 0);
        break;
      case '--seed':
        seed = int(flag, value(), 0);
        break;
      case '--nodes': {
        nodes = int(flag, value(), 1);
        if (![3, 5, 7].includes(nodes)) throw new CliError(`--nodes must be 3, 5 or 7, got ${nodes}`);
        break;
      }
      case '--ticks':
        ticks = int(flag, value(), 200);
        break;
      case '--profile': {
        const p = value();
        if (p === undefined || !isProfileName(p)) throw new CliError(`unknown --profile ${p ?? ''}`);
        profile = p;
        break;
      }
      case '--inject-bug': {
        const b = value();
        if (b === undefined || !isBugName(b)) {
          throw new CliError(`unknown --inject-bug ${b ?? ''} (one of: ${BUG_NAMES.join(', ')})`);
        }
        if (!bugs.includes(b)) bugs.push(b);
        break;
      }
      case '--trace':
        trace = true;
        break;
      case '--json':
        json = true;
        break;
      case '--threads':
        threads = int(flag, value(), 1);
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new CliError(`unknown argument ${arg}`);
    }
  }
  if (trace && seed === null) throw new CliError('--trace replays one seed: add --seed S');
  return { seeds, from, seed, nodes, ticks, profile, bugs, trace, json, threads, help };
}
