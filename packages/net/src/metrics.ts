import { Counter, Gauge, Registry } from 'prom-client';
import type { RejectReason } from './errors.js';
import type { ProbeRejection } from './liveness/udp-prober.js';
import type { PeerStatus } from './peer-status.js';

/** Snapshot of the local Raft node for the node-level metrics. */
export interface NodeMetricsSnapshot {
  readonly role: string;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  /** Totals since the actor started (the metrics count the increases). */
  readonly proposalsCommitted: number;
  readonly proposalsDropped: number;
}

const ROLES = ['follower', 'preCandidate', 'candidate', 'leader'] as const;
const HEALTH_VALUE = { down: 0, suspect: 1, healthy: 2 } as const;

/**
 * Prometheus metrics of one node (its own Registry, so several nodes can live
 * in one process, as in tests). Counters are also kept as plain numbers so
 * tests and `status` can read them synchronously.
 */
export class NetMetrics {
  readonly registry = new Registry();
  private readonly plain = new Map<string, number>();
  private peerSource: () => readonly PeerStatus[] = () => [];
  private node: NodeMetricsSnapshot | null = null;

  private readonly rejectedConnections = this.counter(
    'raftkit_net_rejected_connections_total',
    'Connections refused during the handshake, by reason',
    ['reason'],
  );
  private readonly rejectedFrames = this.counter(
    'raftkit_net_rejected_frames_total',
    'Established connections closed because of a bad frame, by reason',
    ['reason'],
  );
  private readonly rejectedProbes = this.counter(
    'raftkit_net_rejected_probes_total',
    'UDP probe datagrams refused, by reason',
    ['reason'],
  );
  private readonly droppedFrames = this.counter(
    'raftkit_net_dropped_frames_total',
    'Raft frames dropped before reaching the socket (queue full or no link)',
    ['peer', 'cause'],
  );
  private readonly established = this.counter(
    'raftkit_net_connections_established_total',
    'Connections that completed the handshake, by role',
    ['role'],
  );
  private readonly linkClosures = this.counter(
    'raftkit_net_link_closed_total',
    'Established peer links that closed, by reason',
    ['peer', 'reason'],
  );
  private readonly framesSent = this.counter(
    'raftkit_net_raft_frames_sent_total',
    'Raft frames queued to peers',
    ['peer'],
  );
  private readonly framesReceived = this.counter(
    'raftkit_net_raft_frames_received_total',
    'Raft frames received from peers',
    ['peer'],
  );
  private readonly elections = this.counter(
    'raftkit_elections_total',
    'Elections this node started (candidate)',
    [],
  );
  private readonly proposalsCommitted = this.counter(
    'raftkit_proposals_committed_total',
    'Proposals this node saw committed',
    [],
  );
  private readonly alerts = this.counter(
    'raftkit_alerts_total',
    'Split-brain and divergence alerts raised on this node, by kind and severity',
    ['kind', 'severity'],
  );
  private readonly proposalsDropped = this.counter(
    'raftkit_proposals_dropped_total',
    'Proposals this node dropped (not leader, term changed, ...)',
    [],
  );

  constructor() {
    const self = this;
    new Gauge({
      name: 'raftkit_peer_rtt_ms',
      help: 'Trimmed-mean round trip time to each peer, per channel',
      labelNames: ['peer', 'channel'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of self.peerSource()) {
          if (p.tcp.rtt) this.set({ peer: p.id, channel: 'tcp' }, p.tcp.rtt.mean);
          if (p.udp?.rtt) this.set({ peer: p.id, channel: 'udp' }, p.udp.rtt.mean);
        }
      },
    });
    new Gauge({
      name: 'raftkit_peer_health',
      help: 'Peer health: 2 healthy, 1 suspect, 0 down',
      labelNames: ['peer'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of self.peerSource()) this.set({ peer: p.id }, HEALTH_VALUE[p.health]);
      },
    });
    new Gauge({
      name: 'raftkit_peer_connected',
      help: '1 when the TCP link to the peer is established',
      labelNames: ['peer'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of self.peerSource()) this.set({ peer: p.id }, p.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'raftkit_role',
      help: '1 for the role this node currently has',
      labelNames: ['role'],
      registers: [this.registry],
      collect() {
        this.reset();
        const n = self.node;
        if (n) for (const r of ROLES) this.set({ role: r }, n.role === r ? 1 : 0);
      },
    });
    const nodeGauge = (name: string, help: string, pick: (n: NodeMetricsSnapshot) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.reset();
          const n = self.node;
          if (n) this.set(pick(n));
        },
      });
    nodeGauge('raftkit_term', 'Current term', (n) => n.term);
    nodeGauge('raftkit_commit_index', 'Commit index', (n) => n.commitIndex);
    nodeGauge('raftkit_applied_index', 'Applied index', (n) => n.appliedIndex);
  }

  setPeerSource(source: () => readonly PeerStatus[]): void {
    this.peerSource = source;
  }
  /**
   * Latest status of the local node. Proposal totals restart from 0 when the
   * actor restarts; only increases are counted, so the counters never go back.
   */
  updateNode(snapshot: NodeMetricsSnapshot | null): void {
    const prev = this.node;
    if (snapshot) {
      const committed = snapshot.proposalsCommitted - (prev?.proposalsCommitted ?? 0);
      const dropped = snapshot.proposalsDropped - (prev?.proposalsDropped ?? 0);
      const restarted = committed < 0 || dropped < 0;
      const dc = restarted ? snapshot.proposalsCommitted : committed;
      const dd = restarted ? snapshot.proposalsDropped : dropped;
      if (dc > 0) this.inc(this.proposalsCommitted, 'proposalsCommitted', {}, dc);
      if (dd > 0) this.inc(this.proposalsDropped, 'proposalsDropped', {}, dd);
    }
    this.node = snapshot;
  }

  rejectConnection(reason: RejectReason): void {
    this.inc(this.rejectedConnections, 'rejectedConnections', { reason });
  }
  rejectFrame(reason: RejectReason): void {
    this.inc(this.rejectedFrames, 'rejectedFrames', { reason });
  }
  rejectProbe(reason: ProbeRejection): void {
    this.inc(this.rejectedProbes, 'rejectedProbes', { reason });
  }
  dropFrames(peer: string, cause: 'queueFull' | 'noLink', n = 1): void {
    if (n > 0) this.inc(this.droppedFrames, 'droppedFrames', { peer, cause }, n);
  }
  connectionEstablished(role: 'node' | 'client'): void {
    this.inc(this.established, 'established', { role });
  }
  linkClosed(peer: string, reason: string): void {
    this.inc(this.linkClosures, 'linkClosed', { peer, reason });
  }
  raftFrameSent(peer: string): void {
    this.inc(this.framesSent, 'raftFramesSent', { peer });
  }
  raftFrameReceived(peer: string): void {
    this.inc(this.framesReceived, 'raftFramesReceived', { peer });
  }
  electionStarted(): void {
    this.inc(this.elections, 'elections', {});
  }
  /** An alert of the split-brain monitor or of the node itself (divergence, staleLeader, ...). */
  alertRaised(kind: string, severity: string): void {
    this.inc(this.alerts, 'alerts', { kind, severity });
  }

  /**
   * Synchronous read of a counter: `count('rejectedConnections')` is the
   * total; `count('rejectedConnections', { reason: 'badAuth' })` one series.
   */
  count(metric: string, labels?: Record<string, string>): number {
    if (!labels) return this.plain.get(metric) ?? 0;
    return this.plain.get(seriesKey(metric, labels)) ?? 0;
  }

  /** Prometheus text exposition. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private counter(name: string, help: string, labelNames: string[]): Counter<string> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private inc(counter: Counter<string>, metric: string, labels: Record<string, string>, n = 1): void {
    counter.inc(labels, n);
    this.plain.set(metric, (this.plain.get(metric) ?? 0) + n);
    this.plain.set(seriesKey(metric, labels), (this.plain.get(seriesKey(metric, labels)) ?? 0) + n);
  }
}

function seriesKey(metric: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  return `${metric}{${parts.join(',')}}`;
}
