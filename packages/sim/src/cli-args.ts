/**
 * Command line of `pnpm sim`:
 *
 *   pnpm sim --seeds N [--nodes 3|5|7] [--ticks T] [--profile P] [--inject-bug B]...
 *            [--timeouts fixed|adaptive] [--priority ID=P]... [--compare-timeouts]
 *            [--seed S] [--trace] [--json] [--from S0] [--threads K]
 */
import type { NodeId } from '@raftkit/core';
import { isProfileName, type NemesisProfileName, PROFILES } from './nemesis/index.js';
import {
  BUG_NAMES,
  type BugName,
  DEFAULT_TICKS,
  ELECTION_TICKS,
  isBugName,
  isTimeoutsMode,
  MAX_CLOCK_DRIFT_TICKS,
  type SimOptions,
  type TimeoutsMode,
} from './options.js';

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
  readonly timeouts: TimeoutsMode;
  /** Base election timeout in ticks (null: the default). */
  readonly electionTicks: number | null;
  readonly priorities: Readonly<Record<NodeId, number>>;
  /** Run every seed with each timeout variant (fixed-short, fixed-long, adaptive) and compare. */
  readonly compareTimeouts: boolean;
}

export class CliError extends Error {}

export const USAGE = `usage: pnpm sim --seeds N [--nodes 3|5|7] [--ticks T] [--profile P] [--inject-bug B]
                [--timeouts fixed|adaptive] [--priority ID=P] [--compare-timeouts]
                [--seed S] [--trace] [--json] [--from S0] [--threads K]

  --seeds N           run seeds S0..S0+N-1 in parallel (default 100)
  --from S0           first seed (default 1)
  --seed S            replay one seed in this thread (with --trace: print every event)
  --nodes 3|5|7       cluster size (default 5)
  --ticks T           length of each run in ticks (default ${DEFAULT_TICKS})
  --profile P         nemesis profile: ${Object.keys(PROFILES).join(' | ')} (default mixed)
  --inject-bug B      switch on a deliberate bug (repeatable): ${BUG_NAMES.join(', ')}
  --timeouts M        election timeouts of every node: fixed (default) | adaptive
  --election-ticks E  base election timeout in ticks (default ${ELECTION_TICKS}; > ${MAX_CLOCK_DRIFT_TICKS})
  --priority ID=P     leader priority P (integer >= 0) of node ID (repeatable; e.g. n3=3)
  --compare-timeouts  run the seeds with fixed-short, fixed-long and adaptive timeouts and
                      print spurious elections and failover times (use with --profile jitter)
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
  let timeouts: TimeoutsMode = 'fixed';
  let electionTicks: number | null = null;
  const priorities: Record<NodeId, number> = {};
  let compareTimeouts = false;

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
      case '--timeouts': {
        const m = value();
        if (m === undefined || !isTimeoutsMode(m))
          throw new CliError(`--timeouts must be fixed or adaptive, got ${m ?? 'nothing'}`);
        timeouts = m;
        break;
      }
      case '--election-ticks':
        electionTicks = int(flag, value(), MAX_CLOCK_DRIFT_TICKS + 1);
        break;
      case '--priority': {
        const v = value();
        const match = v === undefined ? null : /^([A-Za-z0-9_.-]+)=(\d+)$/.exec(v);
        if (match === null) throw new CliError(`--priority needs ID=P (e.g. n3=3), got ${v ?? 'nothing'}`);
        priorities[match[1]] = Number(match[2]);
        break;
      }
      case '--compare-timeouts':
        compareTimeouts = true;
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
  if (compareTimeouts && seed !== null) throw new CliError('--compare-timeouts runs many seeds: drop --seed');
  if (compareTimeouts && (timeouts !== 'fixed' || electionTicks !== null))
    throw new CliError('--compare-timeouts chooses the timeouts itself: drop --timeouts / --election-ticks');
  for (const id of Object.keys(priorities)) {
    if (!/^n\d+$/.test(id)) throw new CliError(`--priority names a node n1..n${nodes}, got ${id}`);
  }
  return {
    seeds,
    from,
    seed,
    nodes,
    ticks,
    profile,
    bugs,
    trace,
    json,
    threads,
    help,
    timeouts,
    electionTicks,
    priorities,
    compareTimeouts,
  };
}

/** The options of every seed the command line asks for (all but the seed itself). */
export function simOptionsOf(args: CliArgs): Omit<SimOptions, 'seed'> {
  return {
    nodes: args.nodes,
    ticks: args.ticks,
    profile: args.profile,
    bugs: args.bugs,
    timeouts: args.timeouts,
    ...(args.electionTicks !== null ? { electionTicks: args.electionTicks } : {}),
    priorities: args.priorities,
  };
}
