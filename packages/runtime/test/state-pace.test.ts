import { describe, expect, it } from 'vitest';
import { PACED_FROM_STATE_BYTES, StatePace } from '../src/actor/state-pace.js';

describe('StatePace: O(state) work paced by the state size', () => {
  it('lets the first run through, then waits for ratio x the covered state in applied bytes', () => {
    const pace = new StatePace(0.5, 0);
    expect(pace.due(0)).toBe(true);
    pace.ran(1000, 10_000); // covered a 10 kB state when 1000 B had been applied
    expect(pace.due(1000)).toBe(false);
    expect(pace.due(5999)).toBe(false);
    expect(pace.due(6000)).toBe(true);
    // A state 10x larger: 10x as many bytes before the next run.
    pace.ran(6000, 100_000);
    expect(pace.due(55_999)).toBe(false);
    expect(pace.due(56_000)).toBe(true);
  });

  it('does not pace a state smaller than its floor (1 MiB by default)', () => {
    const pace = new StatePace(0.5);
    pace.ran(0, PACED_FROM_STATE_BYTES - 1);
    expect(pace.due(1)).toBe(true);
    pace.ran(0, PACED_FROM_STATE_BYTES);
    expect(pace.due(1)).toBe(false);
    expect(pace.due(PACED_FROM_STATE_BYTES / 2)).toBe(true);
  });

  it('with ratio 0 never holds anything back', () => {
    const pace = new StatePace(0);
    pace.ran(10, 1_000_000_000);
    expect(pace.due(10)).toBe(true);
  });

  it('per applied byte, the work covers at most 1/ratio state bytes however the state grows', () => {
    for (const ratio of [0.25, 0.5, 2]) {
      const pace = new StatePace(ratio, 0);
      let applied = 0;
      let covered = 0;
      // Every applied byte adds a byte of state (all new keys): the worst case for the work's cost.
      for (let step = 0; step < 200_000; step++) {
        applied += 100;
        if (pace.due(applied)) {
          covered += applied;
          pace.ran(applied, applied);
        }
      }
      // Geometric runs: the total covered is a constant times the final state, not quadratic in it.
      expect(covered / applied).toBeLessThanOrEqual(1 + 1 / ratio + 0.01);
    }
  });
});
