import { parseArgs } from 'node:util';
import { NetConfigError } from '../errors.js';

/** A command-line mistake: printed with the usage, exit code 2. */
export class UsageError extends NetConfigError {}

export const USAGE = `usage:
  raftkit node --id ID --listen HOST:PORT --peers ID=HOST:PORT,... --data DIR --secret-file FILE
               [--cluster-id X] [--metrics-port P] [--udp-port P | --no-udp] [--tick-ms N]
               [--election-ticks N] [--checkpoint-interval K] [--timeouts fixed|adaptive] [--priority N]
               [--tls-cert F --tls-key F [--tls-ca F]] [--log-level debug|info|warn|error]
               [--state-machine PATH[#export] [--state-machine-options JSON] [--on-apply-error reject|halt]]
  raftkit put KEY VALUE           --cluster HOST:PORT,... --secret-file FILE [--cluster-id X] [--json]
  raftkit put KEY --value-file F  (the value is F's contents, as UTF-8 text; put KEY - reads it from stdin)
  raftkit append KEY VALUE        (concatenates VALUE to the current value; an absent key starts empty;
                                   --value-file F and - as for put)
  raftkit get KEY                 (prints the value alone; exit 1 when absent)
  raftkit cas KEY EXPECTED NEW    (exit 0 swapped, 1 not; --expect-absent: cas KEY NEW)
  raftkit delete KEY
  raftkit command JSON            (an app machine's command; prints its result as JSON; exit 2 on an app error)
  raftkit query JSON              (an app machine's query; prints its result as JSON; --consistency ...)
  raftkit status                  (every node's role, term, leader, indices, verification, quarantine,
                                   peer health and RTTs, recent alerts)
  raftkit diagram [--format mermaid|svg] [--theme dark|light] [--out FILE]
                                  (the role statechart, derived from roleMachine)
  raftkit node --id ID --listen HOST:PORT --join HOST:PORT,... --data DIR --secret-file FILE [--learner]
                                  (a new member: added as a learner, promoted once caught up)
  raftkit node --id ID --listen HOST:PORT --single-node --data DIR --secret-file FILE
                                  (a cluster of one; a first start on an empty --data needs
                                   --peers, --join or --single-node)
  node options: [--auto-repair] (rebuild this node from the others when it diverges)
                [--advertise HOST:PORT] (the address members reach this node at, if not --listen)
               [--snapshot-entries N] [--snapshot-catch-up-entries N] (snapshot and compact every N entries,
               keeping that many behind for slow followers)
  raftkit node --config FILE      (the node flags as a JSON or YAML map; flags given too win)
  raftkit member list             (id, address, voter/learner, match index, health)
  raftkit member add ID --address HOST:PORT [--learner]
  raftkit member promote ID | member remove ID   (each waits for the change to commit)
  raftkit transfer-leader --to ID
  raftkit snapshot save FILE      (the state machine at a committed index, checksummed)
  raftkit snapshot restore FILE --data DIR --id ID --peers ID=HOST:PORT,... [--cluster-id X]
  raftkit repair ID               (wipe a diverged node and bring it back as a fresh member)
  client options: [--timeout-ms N] [--consistency linearizable|lease|stale] [--tls-cert F --tls-key F --tls-ca F]
  errors go to stderr with exit code 2`;

const OPTIONS = {
  id: { type: 'string' },
  listen: { type: 'string' },
  peers: { type: 'string' },
  data: { type: 'string' },
  'secret-file': { type: 'string' },
  'cluster-id': { type: 'string' },
  'metrics-port': { type: 'string' },
  'udp-port': { type: 'string' },
  'no-udp': { type: 'boolean' },
  'tick-ms': { type: 'string' },
  'election-ticks': { type: 'string' },
  'checkpoint-interval': { type: 'string' },
  'snapshot-entries': { type: 'string' },
  'snapshot-catch-up-entries': { type: 'string' },
  timeouts: { type: 'string' },
  priority: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  'log-level': { type: 'string' },
  'state-machine': { type: 'string' },
  'state-machine-options': { type: 'string' },
  'on-apply-error': { type: 'string' },
  cluster: { type: 'string' },
  json: { type: 'boolean' },
  'timeout-ms': { type: 'string' },
  consistency: { type: 'string' },
  'expect-absent': { type: 'boolean' },
  'value-file': { type: 'string' },
  join: { type: 'string' },
  learner: { type: 'boolean' },
  advertise: { type: 'string' },
  'auto-repair': { type: 'boolean' },
  'single-node': { type: 'boolean' },
  address: { type: 'string' },
  to: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags of `raftkit node` (also the keys of its `--config` file). */
export const NODE_FLAGS: readonly (keyof typeof OPTIONS)[] = [
  'id',
  'listen',
  'peers',
  'join',
  'learner',
  'advertise',
  'single-node',
  'data',
  'secret-file',
  'cluster-id',
  'metrics-port',
  'udp-port',
  'no-udp',
  'tick-ms',
  'election-ticks',
  'checkpoint-interval',
  'snapshot-entries',
  'snapshot-catch-up-entries',
  'timeouts',
  'priority',
  'tls-cert',
  'tls-key',
  'tls-ca',
  'log-level',
  'state-machine',
  'state-machine-options',
  'on-apply-error',
  'auto-repair',
];

/** Whether a flag takes no value. */
export function isBooleanFlag(name: string): boolean {
  return (OPTIONS as Record<string, { type: string }>)[name]?.type === 'boolean';
}

export interface ParsedArgs {
  readonly command: string;
  readonly positionals: readonly string[];
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
}

export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  try {
    const parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    const [command = 'help', ...positionals] = parsed.positionals;
    return { command, positionals, flags: parsed.values as ParsedArgs['flags'] };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function requireFlag(args: ParsedArgs, name: string): string {
  const v = args.flags[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`${args.command}: --${name} is required`);
  return v;
}

export function optionalInt(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const v = args.flags[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer in [${min}, ${max}]`);
  }
  return n;
}
