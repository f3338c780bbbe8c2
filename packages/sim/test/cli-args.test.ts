import { describe, expect, it } from 'vitest';
import { CliError, parseCliArgs } from '../src/cli-args.js';
import { DEFAULT_TICKS } from '../src/options.js';

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
    expect(() => parseCliArgs(['--ticks', '10'])).toThrow(/>= 200/);
  });
});
