/**
 * The demo's cluster of worker-thread actors (@raftkit/runtime) behind the
 * DemoCluster port, its events (transitions, statuses, alerts, node
 * lifecycle) fed into the hub.
 */
import type { SplitBrainAlert } from '@raftkit/core';
import { type Cluster, type ClusterOptions, createCluster, type RuntimeNodeStatus } from '@raftkit/runtime';
import type { DemoHub } from './hub.js';
import type { AlertView, DemoCluster, KvClient, NodeStatusReport } from './model.js';

/** `tickMs` and `raft` (core's RaftTuning) as createCluster takes them; default: the runtime's. */
export interface ThreadClusterOptions extends Pick<ClusterOptions, 'tickMs' | 'raft'> {
  readonly nodes: number;
  readonly seed: number;
  /** Passed through to createCluster (tests use memory storage or a fixed dataDir). */
  readonly extra?: Partial<ClusterOptions>;
}

export function toStatusReport(st: RuntimeNodeStatus, at: number): NodeStatusReport {
  return {
    id: st.id,
    role: st.role,
    term: st.term,
    leader: st.leader,
    commitIndex: st.commitIndex,
    appliedIndex: st.appliedIndex,
    lastIndex: st.lastIndex,
    leaseMs: st.lease === null ? null : Math.max(0, st.lease - at),
    stateHash: st.stateHash,
    verification: verificationOf(st),
    quarantine: st.quarantine ? `${st.quarantine.kind}: ${st.quarantine.reason}` : null,
    at,
  };
}

/** `ok`, or `diverged`, ...; a leader appends each peer's state (`ok n2:ok n3:unverified`). */
function verificationOf(st: RuntimeNodeStatus): string | null {
  const cp = st.checkpoints;
  if (!cp || cp.interval === 0) return null;
  const peers = cp.peers.map((p) => `${p.id}:${p.state}`);
  return [cp.self, ...peers].join(' ');
}

export function toAlertView(a: SplitBrainAlert): AlertView {
  return {
    kind: a.kind,
    severity: a.severity,
    at: a.at,
    nodes: [...a.nodes],
    term: a.term,
    index: a.index,
    duration: a.duration,
    message: a.message,
  };
}

export class ThreadCluster implements DemoCluster {
  readonly nodeIds: readonly string[];
  readonly description: string;
  readonly electionTimeoutMs: number;

  private constructor(
    readonly runtime: Cluster,
    private readonly hub: DemoHub,
  ) {
    const { tickMs } = runtime;
    const { electionTicks } = runtime.raft;
    this.nodeIds = runtime.ids;
    // The randomized timeout is drawn from [electionTicks, 2 * electionTicks) ticks.
    this.electionTimeoutMs = 2 * electionTicks * tickMs;
    this.description =
      `${runtime.ids.length} worker-thread actors · ` +
      (runtime.dataDir ? `LMDB under ${runtime.dataDir}` : 'in-memory storage') +
      ` · tick ${tickMs} ms, election timeout ${electionTicks * tickMs}-${2 * electionTicks * tickMs} ms`;
    this.wireEvents();
  }

  static async start(hub: DemoHub, opts: ThreadClusterOptions): Promise<ThreadCluster> {
    const runtime = await createCluster({
      nodes: hub.nodeIds,
      storage: 'lmdb',
      ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}),
      ...(opts.raft !== undefined ? { raft: opts.raft } : {}),
      seed: opts.seed,
      statusIntervalMs: 200,
      ...opts.extra,
      start: false,
    });
    // Events are wired before the nodes start, so the hub sees the first election too.
    const cluster = new ThreadCluster(runtime, hub);
    hub.markClusterStarted();
    await runtime.start();
    return cluster;
  }

  private wireEvents(): void {
    const ev = this.runtime.events;
    ev.on('transition', (t) =>
      this.hub.recordTransition({
        node: t.node,
        from: t.from,
        to: t.to,
        term: t.term,
        reason: t.reason,
        at: t.at,
      }),
    );
    ev.on('status', (s) => {
      for (const st of Object.values(s.nodes)) if (st) this.hub.recordStatus(toStatusReport(st, s.at));
    });
    ev.on('alert', (a) => this.hub.recordAlert(toAlertView(a)));
    ev.on('node', (n) => this.hub.recordLifecycle(n.node, n.event === 'started' ? 'up' : 'down'));
  }

  isRunning(id: string): boolean {
    return this.runtime.isRunning(id);
  }

  currentLeader(): string | null {
    let best: { id: string; term: number } | null = null;
    for (const n of this.hub.nodeViews()) {
      if (n.running && n.role === 'leader' && (!best || n.term > best.term)) best = n;
    }
    return best?.id ?? this.runtime.leaderHint();
  }

  async isolate(id: string): Promise<void> {
    this.runtime.isolate(id);
  }

  async partition(groups: readonly (readonly string[])[]): Promise<void> {
    this.runtime.partition(groups);
  }

  async heal(): Promise<void> {
    this.runtime.heal();
  }

  async kill(id: string): Promise<void> {
    await this.runtime.kill(id);
  }

  async restart(id: string): Promise<void> {
    await this.runtime.restart(id);
  }

  async transferLeadership(to: string): Promise<void> {
    const leader = this.currentLeader();
    if (!leader) throw new Error('no leader');
    await this.runtime.node(leader).transferLeadership(to);
  }

  async setLinkDelay(ms: number): Promise<void> {
    this.runtime.setLinkFaults({ delayMs: ms });
  }

  client(opts: { via?: string; timeoutMs?: number } = {}): KvClient {
    return this.runtime.client(opts);
  }

  waitForLeader(timeoutMs: number): Promise<string> {
    return this.runtime.waitForLeader({ timeoutMs });
  }

  async statuses(): Promise<ReadonlyMap<string, NodeStatusReport | null>> {
    const at = Date.now();
    const all = await this.runtime.statuses();
    const out = new Map<string, NodeStatusReport | null>();
    for (const id of this.nodeIds) {
      const st = all[id];
      out.set(id, st ? toStatusReport(st, at) : null);
      if (st) this.hub.recordStatus(toStatusReport(st, at));
    }
    return out;
  }

  close(): Promise<void> {
    return this.runtime.close();
  }
}
