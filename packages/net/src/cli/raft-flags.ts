import { ConfigError, type RaftTuning, validateRaftTuning } from '@raftkit/core';
import { type ParsedArgs, UsageError } from './args.js';

/** One `raftkit node` flag that sets a Raft tuning option. */
interface RaftFlag {
  readonly flag: string;
  readonly option: keyof RaftTuning;
  /** An integer, or one of these words. */
  readonly value: 'integer' | readonly string[];
}

/**
 * The one mapping of `raftkit node` flags (and `--config` keys, which are the
 * flag names, or `raft: { option: value }`) onto core's RaftTuning. The flags
 * parse the value's shape; whether it makes sense is core's rule
 * (validateRaftTuning), reported under the flag's name.
 */
export const RAFT_FLAGS: readonly RaftFlag[] = [
  { flag: 'election-ticks', option: 'electionTicks', value: 'integer' },
  { flag: 'checkpoint-interval', option: 'checkpointInterval', value: 'integer' },
  { flag: 'snapshot-entries', option: 'snapshotEntries', value: 'integer' },
  { flag: 'timeouts', option: 'timeouts', value: ['fixed', 'adaptive'] },
];

/** The flag that sets a RaftTuning option, if there is one. */
export function raftFlagOf(option: string): string | undefined {
  return RAFT_FLAGS.find((f) => f.option === option)?.flag;
}

/** The Raft tuning the flags ask for (only what they set), checked by core's rules. */
export function raftTuningFromFlags(args: ParsedArgs): RaftTuning {
  const tuning: Record<string, number | string> = {};
  for (const { flag, option, value } of RAFT_FLAGS) {
    const given = args.flags[flag];
    if (given === undefined) continue;
    if (typeof given !== 'string') throw new UsageError(`--${flag} needs a value`);
    if (value === 'integer') {
      const n = Number(given);
      if (given.trim() === '' || !Number.isSafeInteger(n))
        throw new UsageError(`--${flag} must be an integer, got ${given}`);
      tuning[option] = n;
    } else {
      if (!value.includes(given))
        throw new UsageError(`--${flag} must be ${value.join(' or ')}, got ${given}`);
      tuning[option] = given;
    }
  }
  try {
    validateRaftTuning(tuning);
  } catch (error) {
    if (!(error instanceof ConfigError) || error.option === undefined) throw error;
    // Say it in the operator's terms: the flag, not the option's name in the code.
    const flag = `--${raftFlagOf(error.option) ?? error.option}`;
    const message = error.message.startsWith(`${error.option} `)
      ? `${flag}${error.message.slice(error.option.length)}`
      : `${flag}: ${error.message}`;
    throw new UsageError(message);
  }
  return tuning;
}
