/**
 * The scripted split-brain scenario, narrated: elect; isolate the leader
 * (CheckQuorum makes it step down, the majority elects a new leader, writes
 * sent to the old leader are refused); heal (the old leader rejoins without
 * an election thanks to Pre-Vote and stickiness; logs converge); kill a node
 * and restart it from its disk; transfer leadership. Every step checks what
 * it claims, against deadlines derived from the election timeout.
 */
import type { ControlService } from './control.js';
import type { DemoHub } from './hub.js';
import type { DemoCluster, NodeStatusReport, NodeView, TransitionView } from './model.js';
import type { Narrator } from './terminal.js';
import { DeadlineError, delay, waitUntil } from './wait.js';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ScenarioContext {
  readonly cluster: DemoCluster;
  readonly hub: DemoHub;
  readonly control: ControlService;
  readonly narrator: Narrator;
  /** Target length of the whole scenario. */
  readonly durationMs: number;
  /** Starts the workload (called once a leader exists). */
  readonly startWorkload: () => void;
  /** Fraction of the scenario done, for the progress bar. */
  readonly onProgress?: (fraction: number) => void;
}

export interface ScenarioResult {
  readonly checks: Check[];
  /** Set when a step could not complete and the rest was skipped. */
  readonly aborted: string | null;
}

/** Shares of `durationMs` the workload runs between steps. */
const DWELL = { warmUp: 0.12, isolated: 0.2, healed: 0.14, killed: 0.16, transferred: 0.12 } as const;

export async function runScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const s = new ScenarioRun(ctx);
  return s.run();
}

class ScenarioRun {
  private readonly checks: Check[] = [];
  /** Keys written through the isolated old leader: none of them may ever be applied. */
  private staleKeys: string[] = [];
  private readonly say: Narrator;
  private readonly et: number;
  private readonly startedAt = Date.now();
  private readonly total = 5;

  constructor(private readonly ctx: ScenarioContext) {
    this.say = ctx.narrator;
    this.et = ctx.cluster.electionTimeoutMs;
  }

  async run(): Promise<ScenarioResult> {
    let aborted: string | null = null;
    try {
      const first = await this.elect();
      const { newLeader, oldLeader, isolatedAt } = await this.isolateLeader(first);
      await this.heal(oldLeader, newLeader, isolatedAt);
      const restarted = await this.killAndRestart();
      await this.transfer(restarted);
    } catch (err) {
      aborted = (err as Error).message;
      this.check('scenario completed', false, aborted);
      this.say.info('healing all faults and going on to the final checks');
      await this.ctx.control.execute({ action: 'heal' }).catch(() => {});
      for (const id of this.ctx.cluster.nodeIds) {
        if (!this.ctx.cluster.isRunning(id))
          await this.ctx.control.execute({ action: 'restart', node: id }).catch(() => {});
      }
    }
    this.ctx.onProgress?.(1);
    return { checks: this.checks, aborted };
  }

  // ------------------------------------------------------------------ steps

  private async elect(): Promise<string> {
    this.step(1, `Electing a leader among ${this.ctx.cluster.nodeIds.length} nodes`);
    const leader = await this.ctx.cluster.waitForLeader(20 * this.et);
    const statuses = await this.ctx.cluster.statuses();
    const term = statuses.get(leader)?.term ?? 0;
    const claimants = [...statuses.values()]
      .filter((s) => s?.role === 'leader' && s.term === term)
      .map((s) => s!.id);
    this.check(
      'one leader elected',
      claimants.length === 1,
      claimants.length === 1
        ? `${leader} leads term ${term}, followed by a majority; no other node claims that term`
        : `${claimants.join(', ')} all claim term ${term}`,
    );
    this.ctx.startWorkload();
    this.say.info(
      'the KV workload starts: concurrent clients put / get / cas / append / delete, every operation recorded',
    );
    await this.dwell(DWELL.warmUp);
    return leader;
  }

  private async isolateLeader(
    leader: string,
  ): Promise<{ newLeader: string; oldLeader: string; isolatedAt: number }> {
    const hub = this.ctx.hub;
    const termBefore = hub.node(leader)?.term ?? 0;
    this.step(
      2,
      `Isolating the leader ${leader} from the other ${this.ctx.cluster.nodeIds.length - 1} nodes`,
    );
    const isolatedAt = Date.now();
    await this.ctx.control.execute({ action: 'isolate', node: leader });

    // Writes pinned to the old leader: it may still think it leads, but it cannot commit.
    const pinned = this.ctx.cluster.client({ via: leader, timeoutMs: 4 * this.et });
    const staleKeys = [1, 2, 3].map((i) => `stale-${leader}-${i}`);
    const early = staleKeys.map((k) => settle(pinned.put(k, 'written-to-a-stale-leader')));

    const newLeader = await this.waitStep(
      'the majority elects a new leader',
      () => {
        const n = this.currentLeader();
        return n && n.id !== leader && n.term > termBefore ? n.id : null;
      },
      10 * this.et,
    );
    const newTerm = hub.node(newLeader)?.term ?? 0;
    this.check(
      'majority elected a new leader',
      true,
      `${newLeader} leads term ${newTerm}, ${Date.now() - isolatedAt} ms after the isolation`,
    );

    const stepDown = await this.waitStep(
      `${leader} steps down`,
      () => this.transitionsOf(leader, isolatedAt).find((t) => t.from === 'leader'),
      10 * this.et,
    );
    this.check(
      'old leader stepped down by CheckQuorum',
      stepDown.reason === 'lostQuorum',
      `${leader} stepped down ${stepDown.at - isolatedAt} ms after losing the majority (reason: ${stepDown.reason})`,
    );

    const late = await settle(pinned.put(`stale-${leader}-late`, 'written-to-a-stale-leader'));
    const results = [...(await Promise.all(early)), late];
    const accepted = results.filter((r) => r.ok).length;
    this.check(
      'writes sent to the old leader were refused',
      accepted === 0,
      `${results.length - accepted}/${results.length} refused (${summarizeErrors(results)})`,
    );
    this.staleKeys = [...staleKeys, `stale-${leader}-late`];
    await this.dwell(DWELL.isolated);
    return { newLeader, oldLeader: leader, isolatedAt };
  }

  private async heal(oldLeader: string, newLeader: string, cutAt: number): Promise<void> {
    const hub = this.ctx.hub;
    const term = hub.node(newLeader)?.term ?? 0;
    const oldTerm = hub.node(oldLeader)?.term ?? 0;
    const preVotes = this.transitionsOf(oldLeader, cutAt).filter((t) => t.to === 'preCandidate').length;
    this.step(3, `Healing the network: ${oldLeader} rejoins`);
    if (preVotes > 0) {
      this.say.info(
        `while cut off, ${oldLeader} tried ${preVotes} pre-vote round${preVotes === 1 ? '' : 's'} and stayed at term ${oldTerm}: Pre-Vote never let it bump the term`,
      );
    }
    const healedAt = Date.now();
    await this.ctx.control.execute({ action: 'heal' });
    await this.waitStep(
      `${oldLeader} follows ${newLeader}`,
      () => {
        const n = hub.node(oldLeader);
        return n?.role === 'follower' && n.leader === newLeader && n.term === term;
      },
      10 * this.et,
    );
    this.say.ok(
      `${oldLeader} rejoined as a follower of ${newLeader} in term ${term} after ${Date.now() - healedAt} ms`,
    );
    // Give a disruptive node the time it would need to force an election, then look.
    await delay(3 * this.et);
    const campaigns = this.transitionsSince(healedAt).filter((t) => t.to === 'candidate');
    const stillLeader = this.currentLeader();
    this.check(
      'old leader rejoined without an election',
      campaigns.length === 0 && stillLeader?.id === newLeader && stillLeader.term === term,
      campaigns.length === 0
        ? `no campaign since the heal; ${newLeader} still leads term ${term} (Pre-Vote + leader stickiness)`
        : `${campaigns.map((c) => `${c.node} campaigned for term ${c.term} (${c.reason})`).join('; ')}`,
    );
    const converged = await this.waitCaughtUp(this.currentLeader()?.commitIndex ?? 0, 15 * this.et);
    this.check('logs converged after the heal', converged.ok, converged.detail);
    const client = this.ctx.cluster.client();
    const leaked: string[] = [];
    for (const k of this.staleKeys)
      if ((await client.get(k, { consistency: 'linearizable' })) !== undefined) leaked.push(k);
    this.check(
      'no write sent to the stale leader was applied',
      leaked.length === 0,
      leaked.length === 0
        ? `none of ${this.staleKeys.length} such keys exists`
        : `found ${leaked.join(', ')}`,
    );
    await this.dwell(DWELL.healed);
  }

  private async killAndRestart(): Promise<string> {
    const hub = this.ctx.hub;
    const leader = this.currentLeader()?.id ?? null;
    const victim = [...this.ctx.cluster.nodeIds].reverse().find((id) => id !== leader)!;
    const before = (await this.ctx.cluster.statuses()).get(victim) ?? null;
    this.step(4, `Killing ${victim} abruptly (its worker is terminated mid-write)`);
    await this.ctx.control.execute({ action: 'kill', node: victim });
    const commitAtKill = this.currentLeader()?.commitIndex ?? 0;
    await this.dwell(DWELL.killed);
    const commitNow = this.currentLeader()?.commitIndex ?? 0;
    this.check(
      'the cluster kept committing without it',
      commitNow > commitAtKill,
      `commit index ${commitAtKill} -> ${commitNow} while ${victim} was down`,
    );

    // Restart it cut off, so that what it knows right after start-up comes from its disk alone.
    await this.ctx.control.execute({ action: 'isolate', node: victim });
    this.say.info(
      `restarting ${victim} from its data directory (still cut off, so it can only know what its disk holds)`,
    );
    await this.ctx.control.execute({ action: 'restart', node: victim });
    const recovered = await this.waitStep(
      `${victim} is back up`,
      async () => (await this.ctx.cluster.statuses()).get(victim) ?? null,
      20 * this.et,
    );
    // Applied entries were persisted before they were applied (persist -> send -> apply), so the
    // log must hold at least those; entries appended but not yet synced may rightly be gone.
    const ok = before !== null && recovered.term >= before.term && recovered.lastIndex >= before.appliedIndex;
    this.check(
      'restarted node recovered from disk',
      ok,
      before
        ? `before the kill: term ${before.term}, applied ${before.appliedIndex}, last index ${before.lastIndex}; ` +
            `after the restart, from disk alone: term ${recovered.term}, last index ${recovered.lastIndex}`
        : 'no status from before the kill',
    );
    await this.ctx.control.execute({ action: 'heal' });
    const caughtUp = await this.waitStep(
      `${victim} catches up`,
      () => {
        const l = this.currentLeader();
        const n = hub.node(victim);
        return l && n && n.appliedIndex >= Math.max(commitNow, 1) ? n : null;
      },
      20 * this.et,
    );
    this.say.ok(`${victim} caught up to applied index ${caughtUp.appliedIndex}`);
    return victim;
  }

  private async transfer(to: string): Promise<void> {
    const from = this.currentLeader();
    if (!from) throw new DeadlineError('no leader to transfer leadership from');
    this.step(5, `Transferring leadership from ${from.id} to ${to}`);
    const t0 = Date.now();
    await this.ctx.control.execute({ action: 'transferLeadership', to });
    await this.waitStep(`${to} leads`, () => this.currentLeader()?.id === to, 10 * this.et);
    const handOver = this.transitionsOf(from.id, t0).find((t) => t.from === 'leader');
    const campaign = this.transitionsOf(to, t0).find((t) => t.to === 'candidate');
    this.check(
      'leadership transferred',
      handOver?.reason === 'transferred' && campaign?.reason === 'timeoutNow',
      `${to} leads term ${this.ctx.hub.node(to)?.term} after ${Date.now() - t0} ms ` +
        `(${from.id}: ${handOver?.reason ?? '?'}, ${to}: ${campaign?.reason ?? '?'})`,
    );
    await this.dwell(DWELL.transferred);
  }

  // ------------------------------------------------------------------ helpers

  private step(n: number, text: string): void {
    this.say.step(`${n}/${this.total} ${text}`);
  }

  private check(name: string, ok: boolean, detail: string): void {
    this.checks.push({ name, ok, detail });
    if (ok) this.say.ok(`${name}: ${detail}`);
    else this.say.fail(`${name}: ${detail}`);
  }

  private async waitStep<T>(
    what: string,
    cond: () => T | Promise<T>,
    timeoutMs: number,
  ): Promise<NonNullable<T>> {
    try {
      return await waitUntil(what, cond, timeoutMs);
    } catch (err) {
      if (err instanceof DeadlineError) this.check(what, false, err.message);
      throw err;
    }
  }

  private async dwell(share: number): Promise<void> {
    const until = Date.now() + share * this.ctx.durationMs;
    while (Date.now() < until) {
      this.ctx.onProgress?.(Math.min(0.99, (Date.now() - this.startedAt) / this.ctx.durationMs));
      await delay(Math.min(250, until - Date.now()));
    }
  }

  /** The running leader of the highest term, according to the latest statuses. */
  private currentLeader(): NodeView | null {
    let best: NodeView | null = null;
    for (const n of this.ctx.hub.nodeViews()) {
      if (n.running && n.role === 'leader' && (!best || n.term > best.term)) best = n;
    }
    return best;
  }

  private transitionsSince(at: number): TransitionView[] {
    return this.ctx.hub.allTransitions().filter((t) => t.at >= at);
  }

  private transitionsOf(node: string, since: number): TransitionView[] {
    return this.transitionsSince(since).filter((t) => t.node === node);
  }

  /**
   * Every running node has applied at least `target` (the leader's commit
   * index when we started waiting), and nodes at the same applied index have
   * the same state hash. The workload keeps running, so exact equality is
   * checked only at the end, once it has stopped.
   */
  private async waitCaughtUp(target: number, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
    let mismatch = false;
    try {
      const all = await waitUntil(
        `every node applies index ${target}`,
        async () => {
          const st = [...(await this.ctx.cluster.statuses()).values()].filter(
            (s): s is NodeStatusReport => s !== null,
          );
          if (!sameHashAtSameIndex(st)) mismatch = true;
          return st.length >= this.runningCount() && st.every((s) => s.appliedIndex >= target) ? st : null;
        },
        timeoutMs,
        50,
      );
      return {
        ok: !mismatch,
        detail: mismatch
          ? 'two nodes at the same applied index had different state hashes'
          : `all ${all.length} nodes applied the leader's commit index ${target} (no diverging state hash seen)`,
      };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  private runningCount(): number {
    return this.ctx.cluster.nodeIds.filter((id) => this.ctx.cluster.isRunning(id)).length;
  }
}

/** Nodes at the same applied index must have the same state hash (the workload keeps moving the index). */
function sameHashAtSameIndex(all: readonly NodeStatusReport[]): boolean {
  const byIndex = new Map<number, string | null>();
  for (const s of all) {
    const h = byIndex.get(s.appliedIndex);
    if (h !== undefined && h !== s.stateHash) return false;
    byIndex.set(s.appliedIndex, s.stateHash);
  }
  return true;
}

interface Settled {
  readonly ok: boolean;
  readonly error: unknown;
}

function settle(p: Promise<unknown>): Promise<Settled> {
  return p.then(
    () => ({ ok: true, error: null }),
    (error) => ({ ok: false, error }),
  );
}

function summarizeErrors(results: readonly Settled[]): string {
  const counts = new Map<string, number>();
  for (const r of results) {
    if (r.ok) continue;
    const e = r.error as { name?: string; code?: string };
    const key = e?.name ?? e?.code ?? String(r.error);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n}× ${k}`).join(', ') || 'none refused';
}
