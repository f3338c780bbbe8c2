import type { NodeId } from '@raftkit/core';
import type { Cluster } from '../src/index.js';
import { seededRandom } from '../src/rng.js';

export type RuntimeFault = 'partitionMajority' | 'isolateLeader' | 'kill' | 'linkFaults' | 'heal';

/**
 * A random nemesis for a live cluster, with the simulator's fault meanings:
 * majority/minority partitions, isolating the leader, killing a node (restarted
 * a little later from its data dir), lossy / slow / duplicating links, heals.
 * It never keeps more than a minority down, so the cluster can make progress
 * between faults. Seeded, though thread timing makes runs differ.
 */
export class RuntimeNemesis {
  readonly log: string[] = [];
  private readonly random: () => number;
  private readonly killed = new Set<NodeId>();
  private readonly restarting = new Set<Promise<void>>();

  constructor(
    private readonly cluster: Cluster,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** Inject faults until `untilMs` (performance.now()), then heal and restart everything. */
  async run(untilMs: number): Promise<void> {
    const start = performance.now();
    while (performance.now() < untilMs) {
      await pause(400 + this.random() * 900);
      if (performance.now() >= untilMs) break;
      const fault = this.pick();
      this.log.push(`${((performance.now() - start) / 1000).toFixed(1)}s ${fault}${await this.apply(fault)}`);
    }
    this.cluster.heal();
    await Promise.all(this.restarting);
    for (const id of [...this.killed]) await this.restart(id);
    this.log.push('final heal');
  }

  private pick(): RuntimeFault {
    const faults: [RuntimeFault, number][] = [
      ['partitionMajority', 3],
      ['isolateLeader', 3],
      ['kill', 3],
      ['linkFaults', 2],
      ['heal', 2],
    ];
    const total = faults.reduce((s, [, w]) => s + w, 0);
    let r = this.random() * total;
    for (const [f, w] of faults) {
      r -= w;
      if (r < 0) return f;
    }
    return 'heal';
  }

  private async apply(fault: RuntimeFault): Promise<string> {
    const c = this.cluster;
    const ids = [...c.ids];
    switch (fault) {
      case 'partitionMajority': {
        const shuffled = this.shuffle(ids);
        const majority = Math.floor(ids.length / 2) + 1;
        const groups = [shuffled.slice(0, majority), shuffled.slice(majority)];
        c.heal();
        c.partition(groups);
        return ` ${JSON.stringify(groups)}`;
      }
      case 'isolateLeader': {
        const leader = c.leaderHint();
        if (!leader) return ' (no leader known)';
        c.heal();
        c.isolate(leader);
        return ` ${leader}`;
      }
      case 'kill': {
        const minority = Math.floor((ids.length - 1) / 2);
        const running = ids.filter((id) => c.isRunning(id) && !this.killed.has(id));
        if (this.killed.size >= minority || running.length === 0) return ' (enough nodes down)';
        const victim = running[Math.floor(this.random() * running.length)];
        await c.kill(victim);
        this.killed.add(victim);
        const downFor = 500 + this.random() * 1500;
        const p = pause(downFor).then(() => this.restart(victim));
        this.restarting.add(p);
        // A failed restart surfaces from run() (Promise.all below), not as an unhandled rejection here.
        p.finally(() => this.restarting.delete(p)).catch(() => {});
        return ` ${victim} for ${downFor.toFixed(0)} ms`;
      }
      case 'linkFaults': {
        const faults = { drop: 0.05, duplicate: 0.05, delayMs: [0, 30] as [number, number] };
        c.heal();
        c.setLinkFaults(faults);
        return ` ${JSON.stringify(faults)}`;
      }
      case 'heal':
        c.heal();
        return '';
    }
  }

  private async restart(id: NodeId): Promise<void> {
    if (!this.killed.has(id)) return;
    this.killed.delete(id);
    await this.cluster.restart(id);
  }

  private shuffle<T>(xs: T[]): T[] {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}

/** Workload pacing (not a wait for a condition). */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
