import type { LinkFaults } from './link-faults.js';
import type { NodeProcesses } from './node-processes.js';
import type { ClusterObserver } from './observer.js';
import { describeFault, type Fault, type FaultStep, type NodePick } from './schedule.js';

export interface TimelineEntry {
  /** ms since the run started. */
  readonly t: number;
  readonly text: string;
}

export interface NemesisContext {
  readonly faults: LinkFaults;
  readonly processes: NodeProcesses;
  readonly observer: ClusterObserver;
  readonly nodes: readonly string[];
  readonly log: (text: string) => void;
}

/**
 * Runs a fault schedule against the live cluster: applies each step at its
 * time, holds it, heals it. Steps aimed at `leader` hit whoever the observer
 * last saw leading (the node is named in the timeline).
 */
export class NemesisRunner {
  /** Applied faults per kind ("partition/oneWay", "kill", ...). */
  readonly counts = new Map<string, number>();
  /** Heals that failed (a node that did not come back): each fails the run. */
  readonly errors: string[] = [];
  private stopped = false;

  constructor(private readonly ctx: NemesisContext) {}

  stop(): void {
    this.stopped = true;
  }

  async run(steps: readonly FaultStep[], startedAt: number): Promise<void> {
    for (const [i, step] of steps.entries()) {
      if (!(await this.sleepUntil(startedAt + step.atMs))) return;
      const node = this.resolve(step.fault, i);
      const label = describeFault(step.fault, node);
      this.ctx.log(label);
      try {
        await this.apply(step.fault, node);
        const kind = step.fault.kind === 'partition' ? `partition/${step.fault.shape}` : step.fault.kind;
        this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
        await this.sleepUntil(performance.now() + step.holdMs, true);
      } catch (error) {
        this.errors.push(`${label}: ${(error as Error).message}`);
        this.ctx.log(`fault failed: ${(error as Error).message}`);
      }
      await this.heal(step.fault, node);
    }
  }

  /** Undo every fault: links clean, every node running on the real clock. */
  async healAll(): Promise<void> {
    this.ctx.faults.heal();
    for (const id of this.ctx.nodes) {
      this.ctx.processes.resume(id);
      if (!this.ctx.processes.isRunning(id)) await this.restart(id);
    }
  }

  private resolve(fault: Fault, index: number): string | undefined {
    if (!('node' in fault)) return undefined;
    const pick: NodePick = fault.node;
    if (pick !== 'leader') return pick;
    // No leader right now: a fixed node, so the step still does something.
    return this.ctx.observer.leader?.id ?? this.ctx.nodes[index % this.ctx.nodes.length];
  }

  private async apply(fault: Fault, node: string | undefined): Promise<void> {
    const { faults, processes, nodes } = this.ctx;
    const others = nodes.filter((n) => n !== node);
    switch (fault.kind) {
      case 'partition':
        switch (fault.shape) {
          case 'halves':
            faults.partition(fault.groups);
            return;
          case 'isolate':
            faults.partition([[node!], others]);
            return;
          case 'bridge':
            faults.cutBetween(fault.sides[0], fault.sides[1]);
            return;
          case 'oneWay':
            for (const o of others) {
              if (fault.direction === 'deaf') faults.cut(o, node!);
              else faults.cut(node!, o);
            }
            return;
          case 'flaky':
            for (const a of nodes)
              for (const b of nodes) if (a !== b) faults.degrade(a, b, fault.delayMs, fault.dropRate);
            return;
        }
        return;
      case 'kill':
        await processes.kill(node!);
        return;
      case 'pause':
        processes.pause(node!);
        return;
      case 'clock':
        await processes.stop(node!);
        await processes.start(node!, fault.skew);
        return;
      case 'membership':
        throw new Error('membership changes are not available');
    }
  }

  private async heal(fault: Fault, node: string | undefined): Promise<void> {
    const { faults, processes } = this.ctx;
    switch (fault.kind) {
      case 'partition':
        faults.heal();
        this.ctx.log('heal network');
        return;
      case 'kill':
        await this.restart(node!);
        return;
      case 'pause':
        processes.resume(node!);
        this.ctx.log(`SIGCONT ${node}`);
        return;
      case 'clock':
        await processes.stop(node!);
        await this.restart(node!);
        return;
      case 'membership':
        return;
    }
  }

  private async restart(id: string): Promise<void> {
    try {
      await this.ctx.processes.start(id);
      this.ctx.log(`restarted ${id}`);
    } catch (error) {
      this.errors.push(`restart of ${id}: ${(error as Error).message}`);
      this.ctx.log(`restart of ${id} failed: ${(error as Error).message}`);
    }
  }

  /** Sleep until `deadline` (performance.now() ms); false if stopped first (unless `evenIfStopped`). */
  private async sleepUntil(deadline: number, evenIfStopped = false): Promise<boolean> {
    while (performance.now() < deadline) {
      if (this.stopped && !evenIfStopped) return false;
      await new Promise((r) => setTimeout(r, Math.min(200, Math.max(1, deadline - performance.now()))));
    }
    return !this.stopped || evenIfStopped;
  }
}
