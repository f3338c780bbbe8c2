import { describe, expect, it } from 'vitest';
import { runFuzz } from './helpers/fuzz.js';

describe('randomized schedules keep Raft safety (election safety, state machine safety, outcomes)', () => {
  it('3 nodes, 40 seeds', () => {
    let commits = 0;
    for (let seed = 1; seed <= 40; seed++) commits += runFuzz(seed, { nodes: 3 }).committedOutcomes;
    expect(commits).toBeGreaterThan(0);
  });
  it('5 nodes, 25 seeds', () => {
    let commits = 0;
    for (let seed = 100; seed < 125; seed++) commits += runFuzz(seed, { nodes: 5 }).committedOutcomes;
    expect(commits).toBeGreaterThan(0);
  });
});
