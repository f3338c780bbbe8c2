/**
 * Command line of `pnpm sim`:
 *
 *   pnpm sim --seeds N [--nodes 3|5|7] [--ticks T] [--profile P] [--inject-bug B]...
 *            [--timeouts fixed|adaptive] [--priority ID=P]... [--compare-timeouts]
 *            [--seed S] [--trace] [--json] [--from S0] [--threads K]
 */
import { parseArgs as parseCommandLine } from 'node:util';
import { type NodeId, RAFT_DEFAULTS, type RaftTuning } from '@raftkit/core';
import { isProfileName, type NemesisProfileName, PROFILES } from './nemesis/index.js';
import {
  BUG_NAMES,
  type BugName,
  DEFAULT_TICKS,
  isBugName,
  isTimeoutsMode,
  MAX_CLOCK_DRIFT_TICKS,
  type SimOptions,
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
  /** The Raft options the flags set (--timeouts, --election-ticks): SimOptions.raft. */
  readonly raft: RaftTuning;
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
  --election-ticks E  base election timeout in ticks (default ${RAFT_DEFAULTS.electionTicks}; > ${MAX_CLOCK_DRIFT_TICKS})
  --priority ID=P     leader priority P (integer >= 0) of node ID (repeatable; e.g. n3=3)
  --compare-timeouts  run the seeds with fixed-short, fixed-long and adaptive timeouts and
                      print spurious elections and failover times (use with --profile jitter)
  --trace           print the full event trace of --seed S (deterministic)
  --json            print one JSON summary object on the last line of stdout
  --threads K       worker threads (default: one per core)
Exit status 1 when any seed breaks an invariant or has a non-linearizable history.`;

const OPTIONS = {
  seeds: { type: 'string' },
  from: { type: 'string' },
  seed: { type: 'string' },
  nodes: { type: 'string' },
  ticks: { type: 'string' },
  profile: { type: 'string' },
  'inject-bug': { type: 'string', multiple: true },
  trace: { type: 'boolean' },
  json: { type: 'boolean' },
  threads: { type: 'string' },
  timeouts: { type: 'string' },
  'election-ticks': { type: 'string' },
  priority: { type: 'string', multiple: true },
  'compare-timeouts': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function readFlags(argv: readonly string[]) {
  return parseCommandLine({ args: [...argv], options: OPTIONS, strict: true }).values;
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  let values: ReturnType<typeof readFlags>;
  try {
    values = readFlags(argv);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const code = (e as { code?: string }).code;
    // node:util names the argument in quotes; say it our way for an unknown one.
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new CliError(`unknown argument ${/'([^']*)'/.exec(why)?.[1] ?? why}`);
    }
    throw new CliError(why);
  }
  const int = (flag: string, v: string | undefined, min: number, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!/^-?\d+$/.test(v)) throw new CliError(`${flag} needs an integer, got ${v}`);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min)
      throw new CliError(`${flag} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  const orNull = (flag: string, v: string | undefined, min: number): number | null =>
    v === undefined ? null : int(flag, v, min, 0);

  const seeds = int('--seeds', values.seeds, 1, 100);
  const from = int('--from', values.from, 0, 1);
  const seed = orNull('--seed', values.seed, 0);
  const nodes = int('--nodes', values.nodes, 1, 5);
  if (![3, 5, 7].includes(nodes)) throw new CliError(`--nodes must be 3, 5 or 7, got ${nodes}`);
  const ticks = int('--ticks', values.ticks, 200, DEFAULT_TICKS);
  const p = values.profile ?? 'mixed';
  if (!isProfileName(p)) throw new CliError(`unknown --profile ${p}`);
  const profile: NemesisProfileName = p;
  const bugs: BugName[] = [];
  for (const b of values['inject-bug'] ?? []) {
    if (!isBugName(b)) throw new CliError(`unknown --inject-bug ${b} (one of: ${BUG_NAMES.join(', ')})`);
    if (!bugs.includes(b)) bugs.push(b);
  }
  const trace = values.trace === true;
  const json = values.json === true;
  const threads = orNull('--threads', values.threads, 1);
  const t = values.timeouts;
  if (t !== undefined && !isTimeoutsMode(t))
    throw new CliError(`--timeouts must be fixed or adaptive, got ${t}`);
  const electionTicks = orNull('--election-ticks', values['election-ticks'], MAX_CLOCK_DRIFT_TICKS + 1);
  // The one mapping of the Raft flags onto SimOptions.raft.
  const raft: RaftTuning = {
    ...(t !== undefined ? { timeouts: t } : {}),
    ...(electionTicks !== null ? { electionTicks } : {}),
  };
  const priorities: Record<NodeId, number> = {};
  for (const v of values.priority ?? []) {
    const match = /^([A-Za-z0-9_.-]+)=(\d+)$/.exec(v);
    if (match === null) throw new CliError(`--priority needs ID=P (e.g. n3=3), got ${v}`);
    priorities[match[1]] = Number(match[2]);
  }
  const compareTimeouts = values['compare-timeouts'] === true;
  const help = values.help === true;

  if (trace && seed === null) throw new CliError('--trace replays one seed: add --seed S');
  if (compareTimeouts && seed !== null) throw new CliError('--compare-timeouts runs many seeds: drop --seed');
  if (compareTimeouts && ((raft.timeouts ?? 'fixed') !== 'fixed' || raft.electionTicks !== undefined))
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
    raft,
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
    raft: args.raft,
    priorities: args.priorities,
  };
}
