import { describe, expect, it } from 'vitest';
import { buildSchedule, describeFault, parseTortureArgs, replayCommand, UsageError } from '../src/index.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('the fault schedule', () => {
  it('is a function of the seed: the same seed replays the same faults, another seed differs', () => {
    const opts = {
      seed: 42,
      nodes,
      durationMs: 120_000,
      nemeses: ['partition', 'kill', 'pause', 'clock'] as const,
    };
    const a = buildSchedule({ ...opts, nemeses: [...opts.nemeses] });
    expect(buildSchedule({ ...opts, nemeses: [...opts.nemeses] })).toEqual(a);
    expect(buildSchedule({ ...opts, seed: 43, nemeses: [...opts.nemeses] })).not.toEqual(a);
    expect(a.length).toBeGreaterThan(10);
    // One fault at a time, each inside the duration.
    for (let i = 1; i < a.length; i++) expect(a[i].atMs).toBeGreaterThan(a[i - 1].atMs + a[i - 1].holdMs);
    expect(a.at(-1)!.atMs + a.at(-1)!.holdMs).toBeLessThanOrEqual(120_000);
    expect(new Set(a.map((s) => s.fault.kind))).toEqual(new Set(['partition', 'kill', 'pause', 'clock']));
  });

  it('draws only the requested nemeses, and every partition shape is a real split', () => {
    const steps = buildSchedule({ seed: 7, nodes, durationMs: 600_000, nemeses: ['partition'] });
    expect(steps.every((s) => s.fault.kind === 'partition')).toBe(true);
    const shapes = new Set(steps.map((s) => (s.fault.kind === 'partition' ? s.fault.shape : '')));
    expect(shapes).toEqual(new Set(['halves', 'isolate', 'bridge', 'oneWay', 'flaky']));
    for (const { fault } of steps) {
      if (fault.kind !== 'partition') continue;
      if (fault.shape === 'halves') expect(fault.groups.map((g) => g.length)).toEqual([2, 3]);
      if (fault.shape === 'bridge') {
        expect(fault.sides.map((s) => s.length)).toEqual([2, 2]);
        expect(fault.sides.flat()).not.toContain(fault.bridge);
      }
    }
    expect(buildSchedule({ seed: 7, nodes, durationMs: 600_000, nemeses: [] })).toEqual([]);
    expect(
      describeFault({ kind: 'partition', shape: 'oneWay', node: 'leader', direction: 'deaf' }, 'n2'),
    ).toBe('one-way cut: n2 hears no one (others still hear n2)');
  });

  it('parses the command line and refuses bad input with the flag named', () => {
    const args = parseTortureArgs(
      ['--nodes', '5', '--duration=30', '--nemesis', 'kill,pause', '--seed', '9', '--json'],
      () => 1,
    );
    expect(args).toMatchObject({ nodes: 5, durationS: 30, nemeses: ['kill', 'pause'], seed: 9, json: true });
    expect(parseTortureArgs([], () => 77)).toMatchObject({
      nodes: 3,
      seed: 77,
      nemeses: ['partition', 'kill', 'pause', 'clock', 'membership'],
    });
    expect(() => parseTortureArgs(['--nodes', '4'], () => 1)).toThrow(/--nodes must be odd/);
    expect(() => parseTortureArgs(['--nemesis', 'flood'], () => 1)).toThrow(UsageError);
    expect(() => parseTortureArgs(['--duration'], () => 1)).toThrow(/'--duration <value>' argument missing/);
    expect(() => parseTortureArgs(['--bogus'], () => 1)).toThrow(/Unknown option '--bogus'/);
    expect(() => parseTortureArgs(['--nodes', '--json'], () => 1)).toThrow(/'--nodes' argument is ambiguous/);
    expect(() => parseTortureArgs(['--seed='], () => 1)).toThrow(new UsageError('--seed needs a value'));
    expect(() => parseTortureArgs(['--json=1'], () => 1)).toThrow(/'--json' does not take an argument/);
    expect(() => parseTortureArgs(['run'], () => 1)).toThrow(/Unexpected argument 'run'/);
    expect(replayCommand({ nodes: 3, durationS: 30, nemeses: ['kill'], seed: 5 })).toBe(
      'pnpm torture --nodes 3 --duration 30 --nemesis kill --seed 5',
    );
  });
});
