import { describe, expect, it } from 'vitest';
import { NEMESES, runTorture } from '../src/index.js';

/**
 * A short real run: 3 `raftkit node` processes behind the fault proxies,
 * every nemesis available on this machine, then every check. Deadlines
 * inside the harness are generous (60 s to settle); the run takes about
 * 35 s of wall time.
 */
describe('pnpm torture (short run)', () => {
  it('3 nodes, 26 s of faults: linearizable, nothing lost, converged, no safety alert', async () => {
    const progress: string[] = [];
    const result = await runTorture({
      nodes: 3,
      durationS: 26,
      nemeses: [...NEMESES],
      // This seed's 26 s schedule, with every nemesis available: clock skew, `raftkit member
      // remove` of the leader (back with --join and `member promote`), isolation of the leader,
      // kill -9 of the leader, SIGSTOP of the leader.
      seed: 1321,
      progress: (line) => progress.push(line),
    });
    const failed = result.verdicts.filter((v) => !v.ok);
    expect(
      failed,
      `${failed.map((v) => `${v.name}: ${v.detail}`).join('\n')}\n${progress.join('\n')}`,
    ).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.verdicts.map((v) => v.name)).toEqual([
      'linearizable',
      'no acknowledged write lost',
      'nodes converge to one state hash',
      'no safety alert',
      'nodes stayed up, every fault applied and healed',
    ]);
    // Faults really happened and reached the processes.
    expect(result.schedule.length).toBeGreaterThanOrEqual(3);
    // Every scheduled fault was applied (or, if healing an earlier one overran the phase, skipped).
    const applied = Object.values(result.faultCounts).reduce((a, b) => a + b, 0);
    expect(applied + result.faultsSkipped).toBe(result.schedule.length);
    expect(applied).toBeGreaterThanOrEqual(3);
    expect(result.proxy.forwarded).toBeGreaterThan(100);
    // The isolation reached the processes: the proxies discarded frames.
    expect(result.proxy.cut).toBeGreaterThan(0);
    expect(result.operations.ok).toBeGreaterThan(100);
    expect(result.operations.ackedWrites).toBeGreaterThan(10);
    expect(result.leaders).toBeGreaterThanOrEqual(1);
    expect(result.dir).toBeNull();
    console.log(
      `torture: ${JSON.stringify(result.faultCounts)}, ${result.operations.total} ops checked, longest unavailability ${result.longestUnavailableMs} ms`,
    );
  }, 240_000);
});
