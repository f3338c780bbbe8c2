/**
 * The demo's single source of truth for what the page shows: latest status per
 * node, role transitions, lifecycle (kill/restart), alerts, narration, faults
 * and workload counters. Producers (the cluster adapter, the scenario, the
 * controls) record into it; the SSE server subscribes to its events.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type {
  AlertView,
  DemoSnapshot,
  FaultView,
  Health,
  LifecycleView,
  NarrationLevel,
  NarrationView,
  NodeStatusReport,
  NodeView,
  TransitionView,
  WorkloadView,
} from './model.js';

export type HubEvent =
  | { readonly type: 'transition'; readonly data: TransitionView }
  | { readonly type: 'status'; readonly data: NodeView }
  | { readonly type: 'alert'; readonly data: AlertView }
  | { readonly type: 'narration'; readonly data: NarrationView }
  | { readonly type: 'lifecycle'; readonly data: LifecycleView }
  | { readonly type: 'faults'; readonly data: FaultView }
  | { readonly type: 'workload'; readonly data: WorkloadView };

export interface HubOptions {
  readonly nodeIds: readonly string[];
  readonly mode?: 'threads' | 'processes';
  /** A running node whose last status is older than this is shown as unresponsive. */
  readonly staleAfterMs?: number;
  readonly now?: () => number;
}

const MAX_TRANSITIONS = 5000;
const MAX_ALERTS = 500;
const MAX_NARRATION = 500;
const MAX_LIFECYCLE = 500;

interface NodeRecord {
  report: NodeStatusReport | null;
  running: boolean;
}

export class DemoHub {
  readonly serverId = randomUUID();
  private started: number;
  readonly nodeIds: readonly string[];
  private readonly mode: 'threads' | 'processes';
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private readonly emitter = new EventEmitter();
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly transitions: TransitionView[] = [];
  private readonly lifecycle: LifecycleView[] = [];
  private readonly alerts: AlertView[] = [];
  private readonly narration: NarrationView[] = [];
  /** Every (term, node) seen leading, from transitions and statuses alike (for the one-leader-per-term check). */
  private readonly claims = new Map<number, Set<string>>();
  private faults: FaultView = { partition: null, isolated: [], down: [], delayMs: 0 };
  private workload: WorkloadView | null = null;

  constructor(opts: HubOptions) {
    this.nodeIds = [...opts.nodeIds];
    this.mode = opts.mode ?? 'threads';
    this.staleAfterMs = opts.staleAfterMs ?? 3000;
    this.now = opts.now ?? Date.now;
    this.started = this.now();
    this.emitter.setMaxListeners(0);
    for (const id of this.nodeIds) this.nodes.set(id, { report: null, running: true });
  }

  /** Start of the timeline (the moment the cluster became observable). */
  get startedAt(): number {
    return this.started;
  }

  /** Restart the timeline's clock: call once the cluster's events are wired, right before its nodes start. */
  markClusterStarted(): void {
    this.started = this.now();
  }

  on(listener: (ev: HubEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  private emit(ev: HubEvent): void {
    this.emitter.emit('event', ev);
  }

  recordStatus(report: NodeStatusReport): void {
    const rec = this.nodes.get(report.id);
    if (!rec?.running) return; // a late status from a node that was just killed
    rec.report = report;
    if (report.role === 'leader') this.claim(report.term, report.id);
    this.emit({ type: 'status', data: this.viewOf(report.id) });
  }

  recordTransition(t: TransitionView): void {
    if (t.to === 'leader') this.claim(t.term, t.node);
    push(this.transitions, t, MAX_TRANSITIONS);
    this.emit({ type: 'transition', data: t });
  }

  recordAlert(a: AlertView): void {
    push(this.alerts, a, MAX_ALERTS);
    this.emit({ type: 'alert', data: a });
  }

  narrate(level: NarrationLevel, text: string): NarrationView {
    const n = { at: this.now(), level, text };
    push(this.narration, n, MAX_NARRATION);
    this.emit({ type: 'narration', data: n });
    return n;
  }

  /** A node was killed (`down`) or restarted (`up`). Repeats of the current state are ignored. */
  recordLifecycle(node: string, kind: 'down' | 'up'): void {
    const rec = this.nodes.get(node);
    if (!rec || rec.running === (kind === 'up')) return;
    rec.running = kind === 'up';
    if (kind === 'down')
      rec.report = rec.report && { ...rec.report, role: 'follower', leader: null, leaseMs: null };
    const ev = { node, at: this.now(), kind };
    push(this.lifecycle, ev, MAX_LIFECYCLE);
    this.emit({ type: 'lifecycle', data: ev });
    this.setFaults({ ...this.faults, down: this.nodeIds.filter((id) => !this.nodes.get(id)!.running) });
    this.emit({ type: 'status', data: this.viewOf(node) });
  }

  setFaults(f: Omit<FaultView, 'down'> & { down?: readonly string[] }): void {
    this.faults = {
      partition: f.partition,
      isolated: [...f.isolated],
      down: [...(f.down ?? this.faults.down)],
      delayMs: f.delayMs,
    };
    this.emit({ type: 'faults', data: this.faults });
  }

  getFaults(): FaultView {
    return this.faults;
  }

  setWorkload(w: WorkloadView): void {
    this.workload = w;
    this.emit({ type: 'workload', data: w });
  }

  isRunning(id: string): boolean {
    return this.nodes.get(id)?.running ?? false;
  }

  node(id: string): NodeView | undefined {
    return this.nodes.has(id) ? this.viewOf(id) : undefined;
  }

  nodeViews(): NodeView[] {
    return this.nodeIds.map((id) => this.viewOf(id));
  }

  allTransitions(): readonly TransitionView[] {
    return this.transitions;
  }

  /** Who was seen leading each term, by term. */
  leaderClaims(): ReadonlyMap<number, ReadonlySet<string>> {
    return new Map([...this.claims].sort((a, b) => a[0] - b[0]));
  }

  private claim(term: number, node: string): void {
    const set = this.claims.get(term) ?? new Set<string>();
    set.add(node);
    this.claims.set(term, set);
  }

  allAlerts(): readonly AlertView[] {
    return this.alerts;
  }

  snapshot(): DemoSnapshot {
    return {
      serverId: this.serverId,
      startedAt: this.started,
      now: this.now(),
      mode: this.mode,
      nodes: this.nodeViews(),
      transitions: [...this.transitions],
      lifecycle: [...this.lifecycle],
      alerts: [...this.alerts],
      narration: [...this.narration],
      faults: this.faults,
      workload: this.workload,
      leaderTerms: [...this.claims.keys()].sort((a, b) => a - b),
    };
  }

  private viewOf(id: string): NodeView {
    const rec = this.nodes.get(id)!;
    const r = rec.report;
    return {
      id,
      role: rec.running ? (r?.role ?? null) : null,
      term: r?.term ?? 0,
      leader: rec.running ? (r?.leader ?? null) : null,
      commitIndex: r?.commitIndex ?? 0,
      appliedIndex: r?.appliedIndex ?? 0,
      lastIndex: r?.lastIndex ?? 0,
      leaseMs: rec.running ? (r?.leaseMs ?? null) : null,
      stateHash: r?.stateHash ?? null,
      verification: rec.running ? (r?.verification ?? null) : null,
      quarantine: rec.running ? (r?.quarantine ?? null) : null,
      health: this.healthOf(id, rec),
      running: rec.running,
      updatedAt: r?.at ?? 0,
    };
  }

  private healthOf(id: string, rec: NodeRecord): Health {
    if (!rec.running) return 'down';
    if (this.faults.isolated.includes(id)) return 'isolated';
    const group = this.faults.partition?.find((g) => g.includes(id));
    // Nodes on the majority side of a partition are healthy; the others are cut off.
    if (group && group.length * 2 <= this.nodeIds.length) return 'partitioned';
    if (rec.report && this.now() - rec.report.at > this.staleAfterMs) return 'unresponsive';
    return 'up';
  }
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}
