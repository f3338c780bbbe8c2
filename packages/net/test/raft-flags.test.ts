import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../src/cli/args.js';
import { raftTuningFromFlags } from '../src/cli/raft-flags.js';

const tuning = (...argv: string[]) => raftTuningFromFlags(parseCommandLine(['node', ...argv]));

/**
 * `raftkit node`'s Raft flags map onto core's RaftTuning in one place and are
 * judged by core's rules, reported under the flag's name.
 */
describe('raft flags', () => {
  it('set only what they name', () => {
    expect(tuning()).toEqual({});
    expect(
      tuning(
        '--election-ticks',
        '20',
        '--timeouts',
        'adaptive',
        '--checkpoint-interval',
        '0',
        '--snapshot-entries',
        '500',
      ),
    ).toEqual({ electionTicks: 20, timeouts: 'adaptive', checkpointInterval: 0, snapshotEntries: 500 });
  });

  it("refuse a value core's rules refuse, naming the flag", () => {
    const cases: [string[], RegExp][] = [
      [['--election-ticks', '1'], /^--election-ticks must be an integer >= 2, got 1$/],
      [['--election-ticks', 'ten'], /^--election-ticks must be an integer, got ten$/],
      [['--checkpoint-interval=-1'], /^--checkpoint-interval must be an integer >= 0, got -1$/],
      [['--timeouts', 'sometimes'], /^--timeouts must be fixed or adaptive, got sometimes$/],
    ];
    for (const [argv, message] of cases) {
      expect(() => tuning(...argv), argv.join(' ')).toThrow(UsageError);
      expect(() => tuning(...argv), argv.join(' ')).toThrow(message);
    }
  });
});
