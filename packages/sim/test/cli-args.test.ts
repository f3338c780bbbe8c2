import { describe, expect, it } from 'vitest';
import { CliError, parseCliArgs } from '../src/cli-args.js';
import { DEFAULT_TICKS } from '../src/options.js';
import { replayCommand } from '../src/summary.js';

describe('parseCliArgs', () => {
  it('has the documented defaults', () => {
    expect(parseCliArgs([])).toMatchObject({
      seeds: 100,
      from: 1,
      seed: null,
      nodes: 5,
      ticks: DEFAULT_TICKS,
      profile: 'mixed',
      bugs: [],
      trace: false,
      json: false,
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const a = parseCliArgs([
      '--seeds',
      '2000',
      '--nodes=7',
      '--ticks',
      '600',
      '--profile',
      'crashes',
      '--inject-bug',
      'double-vote',
      '--inject-bug=commit-old-term',
      '--json',
      '--threads',
      '2',
      '--from',
      '100',
    ]);
    expect(a).toMatchObject({
      seeds: 2000,
      nodes: 7,
      ticks: 600,
      profile: 'crashes',
      bugs: ['double-vote', 'commit-old-term'],
      json: true,
      threads: 2,
      from: 100,
    });
    expect(parseCliArgs(['--seed', '42', '--trace'])).toMatchObject({ seed: 42, trace: true });
  });

  it('rejects bad input with a clear error', () => {
    expect(() => parseCliArgs(['--nodes', '4'])).toThrow(/3, 5 or 7/);
    expect(() => parseCliArgs(['--seeds', 'many'])).toThrow(CliError);
    expect(() => parseCliArgs(['--profile', 'chaos'])).toThrow(/unknown --profile/);
    expect(() => parseCliArgs(['--inject-bug', 'nope'])).toThrow(/unknown --inject-bug/);
    expect(() => parseCliArgs(['--trace'])).toThrow(/--seed/);
    expect(() => parseCliArgs(['--frobnicate'])).toThrow(/unknown argument/);
    expect(() => parseCliArgs(['stray'])).toThrow(/unknown argument stray/);
    expect(() => parseCliArgs(['--seeds'])).toThrow(/'--seeds <value>' argument missing/);
    expect(() => parseCliArgs(['--trace=yes'])).toThrow(CliError);
    expect(() => parseCliArgs(['--ticks', '10'])).toThrow(/>= 200/);
    expect(() => parseCliArgs(['--timeouts', 'fast'])).toThrow(/fixed or adaptive/);
    expect(() => parseCliArgs(['--priority', 'n3'])).toThrow(/ID=P/);
    expect(() => parseCliArgs(['--priority', 'x=1'])).toThrow(/names a node/);
    expect(() => parseCliArgs(['--election-ticks', '3'])).toThrow(/>= 4/);
    expect(() => parseCliArgs(['--compare-timeouts', '--timeouts', 'adaptive'])).toThrow(
      /chooses the timeouts/,
    );
    expect(() => parseCliArgs(['--compare-timeouts', '--seed', '1'])).toThrow(/many seeds/);
  });

  it('reads the issue 5 and 9 options: profiles, timeouts, priorities, the comparison', () => {
    expect(parseCliArgs([])).toMatchObject({
      raft: {},
      priorities: {},
      compareTimeouts: false,
    });
    for (const profile of ['compaction', 'membership', 'jitter'] as const) {
      expect(parseCliArgs(['--profile', profile]).profile).toBe(profile);
    }
    expect(
      parseCliArgs([
        '--timeouts',
        'adaptive',
        '--priority',
        'n3=3',
        '--priority=n1=1',
        '--election-ticks',
        '20',
      ]),
    ).toMatchObject({ raft: { timeouts: 'adaptive', electionTicks: 20 }, priorities: { n3: 3, n1: 1 } });
    expect(parseCliArgs(['--profile', 'jitter', '--compare-timeouts'])).toMatchObject({
      profile: 'jitter',
      compareTimeouts: true,
    });
  });

  it('the replay command repeats the timeout and priority options', () => {
    const base = { seed: 7, nodes: 5, ticks: 1000, profile: 'jitter' as const, bugs: [] };
    expect(replayCommand(base)).toBe('pnpm sim --seed 7 --nodes 5 --ticks 1000 --profile jitter --trace');
    const cmd = replayCommand({
      ...base,
      config: { raft: { timeouts: 'adaptive', electionTicks: 40 } },
      priorities: { n3: 3 },
    });
    expect(cmd).toBe(
      'pnpm sim --seed 7 --nodes 5 --ticks 1000 --profile jitter --timeouts adaptive --election-ticks 40 --priority n3=3 --trace',
    );
  });
});
