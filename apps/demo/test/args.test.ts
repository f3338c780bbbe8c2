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
});
