/**
 * Leader priority in the simulator: in a 5-node cluster one node with a higher
 * priority ends up leading after a random start, keeps leading through a
 * restart of another node, and leadership does not ping-pong.
 */
import { describe, expect, it } from 'vitest';
import { runSeed, Simulation } from '../src/index.js';

const TICK = 10_000;
/** By then the first election and the priority hand-over (2 election timeouts of delay) are over. */
const STABLE_AT_TICKS = 150;

function run(seed: number, priorities: Record<string, number>, restart: string) {
  const sim = new Simulation({ seed, profile: 'none', ticks: 500, priorities });
  const target = sim.nemesis.target;
  let leaderAtStable: string | null = null;
  sim.schedule(STABLE_AT_TICKS * TICK, () => {
    leaderAtStable = target.leader();
  });
  // Another node restarts: it must not cost the preferred leader its leadership.
  sim.schedule(250 * TICK, () => target.crash(restart));
  sim.schedule(280 * TICK, () => target.restart(restart));
  const r = sim.run();
  const changesAfterStable = sim.elections.timeline.filter((e) => e.at >= STABLE_AT_TICKS);
  return { r, sim, leaderAtStable: leaderAtStable as string | null, changesAfterStable };
}

describe('leader priority', () => {
  it('the high-priority node leads after a random start and keeps leading through a restart', () => {
    const firstLeaders = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { r, sim, leaderAtStable, changesAfterStable } = run(seed, { n3: 3 }, 'n1');
      expect(r.violations, `seed ${seed}`).toEqual([]);
      expect(r.verdict).toBe('linearizable');
      firstLeaders.add(sim.elections.timeline[0].node);
      expect(leaderAtStable, `seed ${seed}`).toBe('n3');
      expect(changesAfterStable, `seed ${seed}`).toEqual([]); // no ping-pong, no election at the restart
      expect(r.finalLeader).toBe('n3');
      // It got there by a leadership transfer (unless it won the first election itself).
      const toN3 = sim.elections.timeline.find((e) => e.node === 'n3');
      expect(toN3?.cause === 'transfer' || sim.elections.timeline[0].node === 'n3').toBe(true);
    }
    // The random starts did elect other nodes first.
    expect([...firstLeaders].some((id) => id !== 'n3')).toBe(true);
  });

  it('equal priorities never hand over to each other', () => {
    for (const seed of [1, 2, 3]) {
      const { r, leaderAtStable, changesAfterStable } = run(seed, { n2: 2, n4: 2 }, 'n5');
      expect(r.violations).toEqual([]);
      expect(['n2', 'n4']).toContain(leaderAtStable);
      expect(changesAfterStable).toEqual([]);
      expect(r.finalLeader).toBe(leaderAtStable);
    }
  });

  it('stays safe under the mixed nemesis', () => {
    for (const seed of [1, 2]) {
      const r = runSeed({ seed, priorities: { n3: 3 } });
      expect(r.violations).toEqual([]);
      expect(r.verdict).toBe('linearizable');
    }
  });
});
