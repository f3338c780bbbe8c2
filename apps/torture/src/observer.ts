import { type SplitBrainAlert, SplitBrainMonitor } from '@raftkit/core';
import type { NodeStatusReport, RaftClient } from '@raftkit/net';

export type StatusRow = { id: string; report: NodeStatusReport | null };

/**
 * Polls every node's status while the run goes on: the leader of the moment
 * (for nemesis steps aimed at the leader), a timeline of leaders and terms,
 * and a SplitBrainMonitor over the whole cluster fed with every observation
 * (a node's own monitor only sees that node; this one sees two leaders of a
 * term, commit regressions and state-hash divergence across processes).
 * Leases are left out: with skewed clocks their wall-clock ends are not comparable.
 */
export class ClusterObserver {
  readonly monitor: SplitBrainMonitor;
  /** Safety alerts that nodes reported in their status (deduplicated). */
  readonly reportedAlerts = new Map<string, SplitBrainAlert & { node: string }>();
  private readonly leadersSeen = new Set<string>();
  private currentLeader: { id: string; term: number } | null = null;
  private running = true;
  private loop: Promise<void> | null = null;
  polls = 0;

  constructor(
    private readonly client: RaftClient,
    private readonly onLeader: (id: string, term: number) => void,
    electionTimeoutMs: number,
    /** The harness's count of processes started for a node: a new one restarts its volatile state. */
    private readonly incarnation: (id: string) => number,
    private readonly intervalMs = 250,
  ) {
    this.monitor = new SplitBrainMonitor({ electionTimeout: electionTimeoutMs });
  }

  get leader(): { id: string; term: number } | null {
    return this.currentLeader;
  }

  start(): void {
    this.loop = (async () => {
      while (this.running) {
        await this.poll();
        await new Promise((r) => setTimeout(r, this.intervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** One round: every node's status, fed to the monitor; returns the rows. */
  async poll(timeoutMs = 1000): Promise<StatusRow[]> {
    const rows = await this.client.status(timeoutMs);
    this.polls++;
    const at = performance.now();
    let best: { id: string; term: number } | null = null;
    for (const row of rows) {
      const n = row.report?.node;
      if (!n) continue;
      this.monitor.observe({
        node: row.id,
        at,
        role: n.role,
        term: n.term,
        leader: n.leader,
        commitIndex: n.commitIndex,
        appliedIndex: n.appliedIndex,
        stateHash: n.stateHash,
        leaseUntil: null,
        epoch: this.incarnation(row.id),
      });
      for (const alert of row.report!.alerts) {
        if (alert.severity === 'safety')
          this.reportedAlerts.set(`${row.id}:${alert.kind}:${alert.at}`, { ...alert, node: row.id });
      }
      if (n.role === 'leader') {
        const key = `${row.id}@${n.term}`;
        if (!this.leadersSeen.has(key)) {
          this.leadersSeen.add(key);
          this.onLeader(row.id, n.term);
        }
        if (!best || n.term > best.term) best = { id: row.id, term: n.term };
      }
    }
    this.currentLeader = best;
    return rows;
  }

  /** Safety alerts: the cluster-wide monitor's and the nodes' own. */
  safetyAlerts(): { source: string; kind: string; message: string }[] {
    return [
      ...this.monitor
        .alerts()
        .filter((a) => a.severity === 'safety')
        .map((a) => ({ source: 'harness monitor', kind: a.kind, message: a.message })),
      ...[...this.reportedAlerts.values()].map((a) => ({
        source: `${a.node} status`,
        kind: a.kind,
        message: a.message,
      })),
    ];
  }
}
