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
  it('3 nodes with hosts snapshotting and compacting at random, 30 seeds', () => {
    let installed = 0;
    let taken = 0;
    let commits = 0;
    for (let seed = 200; seed < 230; seed++) {
      const r = runFuzz(seed, { nodes: 3, compaction: true });
      installed += r.snapshotsInstalled;
      taken += r.snapshotsTaken;
      commits += r.committedOutcomes;
    }
    expect(taken).toBeGreaterThan(30);
    expect(installed).toBeGreaterThan(0); // some followers had to catch up from a snapshot
    expect(commits).toBeGreaterThan(0);
  });
  it('membership changes (add, promote, remove among 5 nodes) with compaction, 40 seeds', () => {
    let changes = 0;
    let installed = 0;
    let commits = 0;
    for (let seed = 300; seed < 340; seed++) {
      const r = runFuzz(seed, { nodes: 3, compaction: true, membership: true, steps: 1000 });
      changes += r.confChangesCommitted;
      installed += r.snapshotsInstalled;
      commits += r.committedOutcomes;
    }
    expect(changes).toBeGreaterThan(20);
    expect(installed).toBeGreaterThan(0);
    expect(commits).toBeGreaterThan(0);
  });
});
