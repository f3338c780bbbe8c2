import { describe, expect, it } from 'vitest';
import { runSeed, type SeedResult, Simulation, seedFailed } from '../src/index.js';

const short = { ticks: 400 } as const;

describe('Simulation determinism', () => {
  it('two runs of a seed produce identical traces and results', () => {
    const a = runSeed({ seed: 7, ...short, trace: true });
    const b = runSeed({ seed: 7, ...short, trace: true });
    expect(a.trace?.length).toBeGreaterThan(1000);
    expect(b.trace).toEqual(a.trace);
    const { wallMs: _a, ...restA } = a;
    const { wallMs: _b, ...restB } = b;
    expect(restB).toEqual(restA);
  });

  it('the digest follows the trace without keeping it, and different seeds differ', () => {
    const traced = runSeed({ seed: 3, ...short, trace: true });
    const untraced = runSeed({ seed: 3, ...short });
    expect(untraced.digest).toBe(traced.digest);
    expect(untraced.trace).toBeUndefined();
    const digests = new Set([1, 2, 3, 4, 5].map((seed) => runSeed({ seed, ...short }).digest));
    expect(digests.size).toBe(5);
  });

  it('each concern has its own random stream: more clients leave the cluster config and first fault alone', () => {
    const firstFault = (r: SeedResult) => r.trace?.find((l) => l.includes('nemesis'));
    const two = runSeed({ seed: 11, ...short, clients: 2, trace: true });
    const six = runSeed({ seed: 11, ...short, clients: 6, trace: true });
    expect(six.config).toEqual(two.config);
    expect(firstFault(two)).toBeDefined();
    expect(firstFault(six)).toEqual(firstFault(two));
  });
});

describe('Simulation runs', () => {
  it('50 seeds of the mixed profile break no invariant and stay linearizable', () => {
    const failures: string[] = [];
    let elections = 0;
    let commits = 0;
    let faults = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const r = runSeed({ seed });
      if (seedFailed(r) || r.verdict !== 'linearizable') {
        failures.push(`seed ${seed}: ${r.verdict} ${JSON.stringify(r.violations[0] ?? null)}`);
      }
      elections += r.elections;
      commits += r.commits;
      faults += Object.values(r.faults).reduce((x, y) => x + y, 0);
    }
    expect(failures).toEqual([]);
    // The runs were not idle: leaders changed, entries committed, faults struck.
    expect(elections).toBeGreaterThan(50 * 3);
    expect(commits).toBeGreaterThan(50 * 50);
    expect(faults).toBeGreaterThan(50 * 10);
  });

  it('3- and 7-node clusters and every profile also stay safe', () => {
    const runs = [
      runSeed({ seed: 1, nodes: 3 }),
      runSeed({ seed: 2, nodes: 7 }),
      runSeed({ seed: 3, profile: 'partitions' }),
      runSeed({ seed: 4, profile: 'crashes' }),
      runSeed({ seed: 5, profile: 'clock', leaseReads: 'on' }),
    ];
    for (const r of runs) {
      expect(r.violations).toEqual([]);
      expect(r.verdict).toBe('linearizable');
    }
  });

  it('summarises what happened', () => {
    const r = runSeed({ seed: 12 });
    expect(r.elections).toBeGreaterThanOrEqual(1);
    expect(r.maxLeadersAtOnce).toBeGreaterThanOrEqual(1);
    expect(r.commits).toBeGreaterThan(0);
    expect(r.acknowledgedWrites).toBeGreaterThan(0);
    expect(r.ops.ok).toBeGreaterThan(0);
    expect(r.operations).toBe(r.ops.ok + r.ops.fail + r.ops.info);
    expect(r.endTime).toBeGreaterThanOrEqual(r.ticks * 10_000);
    expect(r.maxStaleLeaderTicks).toBeGreaterThanOrEqual(0);
  });

  it('a quiet cluster without faults elects one leader and commits every write', () => {
    const r = runSeed({ seed: 5, profile: 'none', ticks: 400 });
    expect(r.elections).toBe(1);
    expect(r.maxLeadersAtOnce).toBe(1);
    expect(r.ops.fail + r.ops.info).toBe(0);
    expect(r.acknowledgedWrites).toBeGreaterThan(50);
  });

  it('exposes the cluster for inspection after a run', () => {
    const sim = new Simulation({ seed: 9, ticks: 300 });
    const r = sim.run();
    expect([...sim.nodes.keys()]).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    const applied = new Set([...sim.nodes.values()].map((n) => n.sm.appliedIndex));
    expect(applied.size).toBe(1); // converged
    expect(sim.recorder.size).toBe(r.operations);
  });
});

describe('state divergence (corruption drill)', () => {
  const K = 50; // the simulator's checkpoint interval

  /**
   * Corrupts one follower's applied state at 1.5 s, behind the log's back, and returns what was
   * caught. The corrupted key is one the workload never writes: a corrupted workload key is often
   * overwritten by the next put before the next checkpoint (the states agree again).
   */
  function drill(opts: { monitorStateHashes: boolean }) {
    const sim = new Simulation({ seed: 21, profile: 'none', ticks: 400, ...opts });
    expect(sim.tuning.checkpointInterval).toBe(K);
    let victim = '';
    let appliedAtCorruption = 0;
    sim.schedule(1_500_000, () => {
      const follower = [...sim.nodes.values()].find((n) => n.up && n.role !== 'leader');
      if (follower === undefined) throw new Error('no follower to corrupt');
      victim = follower.id;
      appliedAtCorruption = follower.sm.appliedIndex;
      follower.sm.corruptForTesting('drill');
    });
    const r = sim.run();
    return { r, victim, appliedAtCorruption };
  }

  it('is caught within one checkpoint interval and names the node and the index', () => {
    const { r, victim, appliedAtCorruption } = drill({ monitorStateHashes: true });
    expect(r.violations.length).toBeGreaterThan(0);
    const v = r.violations[0];
    expect(['splitBrainMonitor', 'stateMachineSafety']).toContain(v.invariant);
    expect(v.nodes).toContain(victim);
    expect(v.message).toMatch(/diverge|hash/);
    expect(v.index).toBeGreaterThanOrEqual(appliedAtCorruption);
    expect(v.index).toBeLessThanOrEqual(appliedAtCorruption + K);
  });

  it("the core's checkpoints alone (Ready.divergences) catch it at the next checkpoint, naming the node", () => {
    const { r, victim, appliedAtCorruption } = drill({ monitorStateHashes: false });
    const v = r.violations[0];
    expect(v?.invariant).toBe('stateMachineSafety');
    expect(v.nodes[0]).toBe(victim);
    expect(v.message).toMatch(/^divergence: /);
    const nextCheckpoint = (Math.floor(appliedAtCorruption / K) + 1) * K;
    expect(v.index).toBe(nextCheckpoint);
    expect(v.message).toContain(`${victim}'s state hash at index ${nextCheckpoint}`);
  });

  it('a healthy run ends with every node verified by the monitor', () => {
    const r = runSeed({ seed: 21, profile: 'none', ticks: 400 });
    expect(r.violations).toEqual([]);
    expect(Object.values(r.verification)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });
});
