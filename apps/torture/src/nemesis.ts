import { runCli } from './cli-runner.js';
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
  /** The `raftkit` CLI (dist/bin.js), for membership changes. */
  readonly bin: string;
  /** `--secret-file F --cluster-id X` for the CLI's client commands. */
  readonly clientFlags: readonly string[];
}

/** Deadline of one `raftkit member ...` command (it retries refusals that pass by themselves). */
const MEMBER_TIMEOUT_MS = 60_000;
/** How long a removed node may take to notice and exit. */
const REMOVED_EXIT_MS = 30_000;

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
  /** Scheduled faults not applied (the phase overran, or their node was out of the cluster). */
  skipped = 0;
  /** Nodes removed whose rejoin failed: no further faults aim at them, and they are not restarted. */
  private readonly lost = new Set<string>();
  private stopped = false;

  constructor(private readonly ctx: NemesisContext) {}

  stop(): void {
    this.stopped = true;
  }

  /**
   * Apply the steps in order. A step that starts late (an earlier one took
   * long to heal) still runs, but none starts after `endMs` (since
   * `startedAt`): the fault phase keeps its length and the skipped steps are
   * counted.
   */
  async run(steps: readonly FaultStep[], startedAt: number, endMs: number): Promise<void> {
    for (const [i, step] of steps.entries()) {
      if (!(await this.sleepUntil(startedAt + step.atMs))) return;
      if (performance.now() > startedAt + endMs) {
        this.skipped += steps.length - i;
        this.ctx.log(
          `fault phase over: ${steps.length - i} scheduled faults not applied (earlier ones overran)`,
        );
        return;
      }
      const node = this.resolve(step.fault, i);
      const label = describeFault(step.fault, node);
      if (node !== undefined && this.lost.has(node)) {
        this.skipped++;
        this.ctx.log(`${label}: skipped, ${node} is out of the cluster (its rejoin failed)`);
        continue;
      }
      if (step.fault.kind === 'membership' && this.lost.size > 0) {
        this.skipped++;
        this.ctx.log(`${label}: skipped, the cluster is short of ${[...this.lost].join(', ')} already`);
        continue;
      }
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
      if (this.lost.has(id)) continue;
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
        await processes.start(node!, { clock: fault.skew });
        return;
      case 'membership': {
        // The removed node exits by itself ("removed from the cluster"): expected, not a crash.
        processes.expectExit(node!);
        await this.removeMember(node!);
        if (!(await processes.exited(node!, REMOVED_EXIT_MS))) {
          await processes.kill(node!);
          throw new Error(`${node} was removed but still ran ${REMOVED_EXIT_MS} ms later (killed)`);
        }
        this.ctx.log(`${node} left the cluster and exited`);
        return;
      }
    }
  }

  /** `raftkit member VERB ID` against the running nodes; throws with the CLI's message unless it exits 0. */
  private async member(verb: 'remove' | 'promote', id: string): Promise<void> {
    const args = [
      'member',
      verb,
      id,
      '--cluster',
      this.seedsWithout(id),
      ...this.ctx.clientFlags,
      '--timeout-ms',
      `${MEMBER_TIMEOUT_MS}`,
    ];
    const started = performance.now();
    const result = await runCli(this.ctx.bin, args, MEMBER_TIMEOUT_MS + 15_000);
    if (result.code !== 0) {
      throw new Error(
        `raftkit member ${verb} ${id} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`,
      );
    }
    this.ctx.log(
      `raftkit member ${verb} ${id}: ${result.stdout.trim()} (${Math.round(performance.now() - started)} ms)`,
    );
  }

  /**
   * `raftkit member remove ID`. When the CLI fails (e.g. `termChanged`: the
   * leader changed under the proposal, outcome unknown), the configuration
   * decides (`raftkit member list --json`): removed after all, or not.
   */
  private async removeMember(id: string): Promise<void> {
    try {
      await this.member('remove', id);
    } catch (error) {
      const result = await runCli(
        this.ctx.bin,
        ['member', 'list', '--json', '--cluster', this.seedsWithout(id), ...this.ctx.clientFlags],
        30_000,
      );
      let listed: string[] | null = null;
      try {
        listed = (JSON.parse(result.stdout) as { id: string }[]).map((m) => m.id);
      } catch {
        // No answer to go by: the removal counts as failed.
      }
      if (listed && !listed.includes(id)) {
        this.ctx.log(`${(error as Error).message}; but the configuration no longer lists ${id}: removed`);
        return;
      }
      this.ctx.processes.expectExit(id, false);
      throw error;
    }
  }

  private seedsWithout(id: string): string {
    return this.ctx.nodes
      .filter((n) => n !== id && this.ctx.processes.isRunning(n) && !this.ctx.processes.isPaused(n))
      .map((n) => this.ctx.processes.address(n))
      .join(',');
  }

  /** Bring a removed node back as a new member: empty data dir, `--join` as a learner, then `member promote`. */
  private async rejoin(id: string): Promise<void> {
    const { processes } = this.ctx;
    if (processes.isRunning(id)) await processes.kill(id);
    processes.wipe(id);
    const seeds = this.ctx.nodes
      .filter((n) => n !== id && processes.isRunning(n))
      .map((n) => processes.address(n))
      .join(',');
    await processes.start(id, { join: seeds });
    this.ctx.log(`${id} started empty with --join (learner)`);
    await this.member('promote', id);
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
        // Still running: the removal did not happen (its error is recorded); nothing to bring back.
        if (processes.isRunning(node!)) return;
        try {
          await this.rejoin(node!);
        } catch (error) {
          this.lost.add(node!);
          this.errors.push(`rejoin of ${node}: ${(error as Error).message}`);
          this.ctx.log(`rejoin of ${node} failed: ${(error as Error).message}`);
        }
        return;
    }
  }

  private async restart(id: string): Promise<void> {
    try {
      if (this.ctx.processes.wasWiped(id)) {
        await this.rejoin(id);
        return;
      }
      await this.ctx.processes.start(id);
      this.ctx.log(`restarted ${id}`);
    } catch (startError) {
      let error = startError;
      // Removed after all (a removal whose outcome the CLI could not tell): it comes back as a new member.
      if (/was removed from the cluster/.test((error as Error).message)) {
        this.ctx.log(`${id} refuses to start: it was removed; bringing it back as a new member`);
        try {
          await this.rejoin(id);
          return;
        } catch (rejoinError) {
          error = rejoinError;
        }
      }
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
