import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, parseDemoArgs, UsageError } from '../src/args.js';

describe('demo command line', () => {
  it('has defaults and parses every option in both spellings', () => {
    expect(parseDemoArgs([])).toEqual(DEFAULT_OPTIONS);
    expect(
      parseDemoArgs([
        '--nodes',
        '3',
        '--duration=20',
        '--seed',
        '9',
        '--port=0',
        '--serve',
        '--processes',
        '--clients',
        '2',
      ]),
    ).toEqual({
      ...DEFAULT_OPTIONS,
      nodes: 3,
      durationS: 20,
      seed: 9,
      port: 0,
      serve: true,
      processes: true,
      clients: 2,
    });
  });

  it('rejects bad values with a clear message', () => {
    expect(() => parseDemoArgs(['--nodes', '2'])).toThrow(UsageError);
    expect(() => parseDemoArgs(['--nodes', 'five'])).toThrow(
      /--nodes must be an integer in 3..9, got 'five'/,
    );
    expect(() => parseDemoArgs(['--port'])).toThrow(/--port needs a value/);
    expect(() => parseDemoArgs(['--bogus'])).toThrow(/unknown option '--bogus'/);
  });

  it('names what is wrong: a stray argument, a missing or empty value, a value for a switch', () => {
    expect(parseDemoArgs(['-h']).help).toBe(true);
    expect(() => parseDemoArgs(['5'])).toThrow(new UsageError("unknown option '5'"));
    expect(() => parseDemoArgs(['--port='])).toThrow(new UsageError('--port needs a value'));
    expect(() => parseDemoArgs(['--nodes', '--serve'])).toThrow(new UsageError('--nodes needs a value'));
    expect(() => parseDemoArgs(['--serve=yes'])).toThrow(new UsageError('--serve takes no value'));
    expect(() => parseDemoArgs(['--seed', '-1'])).toThrow(UsageError);
  });
});
