import type { BackoffOptions } from '@raftkit/runtime';
import { formatHostPort, type HostPort } from './address.js';
import { ClientConnection } from './client-connection.js';
import { NetConfigError } from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from './framing/frame.js';
import type { SendQueueLimits } from './framing/send-queue.js';
import { MAX_ID_LENGTH } from './handshake/messages.js';
import { ClusterSecret } from './handshake/secret.js';

import type { LinkContext } from './links/link-context.js';
import { Listener } from './links/listener.js';
import { PeerLink } from './links/peer-link.js';
import { PeerHealth, type PeerHealthOptions } from './liveness/peer-health.js';
import { UdpProber } from './liveness/udp-prober.js';
import { type NetLogger, RateLimitedLog, silentLogger } from './log.js';
import { NetMetrics } from './metrics.js';
import type { PeerStatus } from './peer-status.js';
import type { TlsOptions } from './tls-options.js';

export interface TcpTransportOptions {
  readonly nodeId: string;
  /** Nodes of another cluster id are refused. Default 'raftkit'. */
  readonly clusterId?: string;
  /** The shared cluster secret (>= 16 bytes). */
  readonly secret: ClusterSecret | string | Uint8Array;
  /** Where this node listens for peers and clients (port 0: any free port). */
  readonly listen: HostPort;
  /** Every other node of the cluster and where it listens. */
  readonly peers: ReadonlyMap<string, HostPort> | Readonly<Record<string, HostPort>>;
  /**
   * UDP probe channel: `{ port }` (0 = any free port; default: the TCP listen
   * port) or `false` to disable it (health then comes from TCP alone).
   * `intervalMs` (default pingIntervalMs) is the probe period;
   * `healthyIntervalMs` the period while every peer answered every probe
   * (default 2x intervalMs, at most half of health.suspectAfterMs so the UDP
   * channel never goes stale between two answered probes).
   */
  readonly udp?:
    | { readonly port?: number; readonly intervalMs?: number; readonly healthyIntervalMs?: number }
    | false;
  readonly tls?: TlsOptions;
  /** Largest frame accepted from an authenticated peer. Default 16 MiB. */
  readonly maxFrameBytes?: number;
  readonly sendQueue?: SendQueueLimits;
  /** Handshake deadline. Default 5000 ms. */
  readonly handshakeTimeoutMs?: number;
  readonly maxPendingHandshakes?: number;
  readonly connectTimeoutMs?: number;
  readonly keepAliveMs?: number;
  /** Link ping period. Default 250 ms. */
  readonly pingIntervalMs?: number;
  /** A link silent for this long is closed and redialed. Default 5000 ms. */
  readonly idleTimeoutMs?: number;
  readonly reconnect?: BackoffOptions;
  readonly health?: Omit<PeerHealthOptions, 'udp'>;
  readonly metrics?: NetMetrics;
  readonly logger?: NetLogger;
  /** Check each incoming Raft frame (e.g. decode it, check sender/recipient); throw to reject. */
  readonly validateRaftFrame?: (from: string, frame: Uint8Array) => void;
}

export type RaftFrameHandler = (from: string, frame: Uint8Array) => void;
export type ClientHandler = (client: ClientConnection) => void;

/**
 * Moves opaque Raft frames between node ids over authenticated TCP (or TLS)
 * links, one per peer pair (the lower id dials), and accepts client
 * connections on the same port. A UDP prober beside it gives every peer a
 * second, independent liveness signal; `peers()` reports the combined health.
 */
export class TcpTransport {
  readonly nodeId: string;
  readonly clusterId: string;
  readonly metrics: NetMetrics;
  private readonly links = new Map<string, PeerLink>();
  private readonly clients = new Set<ClientConnection>();
  private readonly ctx: LinkContext;
  private readonly listener: Listener;
  private prober: UdpProber | null = null;
  private raftHandler: RaftFrameHandler | null = null;
  private clientHandler: ClientHandler | null = null;
  private linkHandler: ((peer: string, up: boolean) => void) | null = null;
  private boundAddress: HostPort | null = null;
  private state: 'new' | 'started' | 'closed' = 'new';
  private readonly logger: NetLogger;
  private readonly abuseLog: RateLimitedLog;

  constructor(private readonly options: TcpTransportOptions) {
    this.nodeId = checkId(options.nodeId, 'node id');
    this.clusterId = checkId(options.clusterId ?? 'raftkit', 'cluster id');
    this.metrics = options.metrics ?? new NetMetrics();
    this.logger = options.logger ?? silentLogger;
    this.abuseLog = new RateLimitedLog(this.logger);
    const peers = options.peers instanceof Map ? options.peers : new Map(Object.entries(options.peers));
    const secret =
      options.secret instanceof ClusterSecret ? options.secret : ClusterSecret.from(options.secret);
    const clock = () => performance.now();
    const udpEnabled = options.udp !== false;
    this.ctx = {
      selfId: this.nodeId,
      clusterId: this.clusterId,
      secret,
      tls: options.tls,
      udpPort: undefined,
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      queue: options.sendQueue ?? {},
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5000,
      connectTimeoutMs: options.connectTimeoutMs ?? 3000,
      keepAliveMs: options.keepAliveMs ?? 1000,
      pingIntervalMs: options.pingIntervalMs ?? 250,
      idleTimeoutMs: options.idleTimeoutMs ?? 5000,
      backoff: options.reconnect ?? {},
      health: { ...options.health, udp: udpEnabled },
      metrics: this.metrics,
      clock,
      log: (level, message, fields) => this.logger.log(level, message, { node: this.nodeId, ...fields }),
      logAbuse: (level, message, fields) =>
        this.abuseLog.log(level, message, { node: this.nodeId, ...fields }),
      deliverRaft: (from, frame) => this.raftHandler?.(from, frame),
      validateRaftFrame: options.validateRaftFrame,
      peerUdpPort: (peerId, port) => {
        const link = this.links.get(peerId);
        if (link) this.prober?.setPeer(peerId, link.address.host, port);
      },
      linkChanged: (peer, up) => this.linkHandler?.(peer, up),
    };
    for (const [id, address] of peers) {
      checkId(id, 'peer id');
      if (id === this.nodeId) continue;
      this.links.set(id, new PeerLink(id, address, this.nodeId < id, this.ctx));
    }
    this.listener = new Listener(this.ctx, {
      address: options.listen,
      maxPendingHandshakes: options.maxPendingHandshakes,
      isKnownNode: (id) => this.links.has(id),
      weDial: (id) => this.links.get(id)?.dials ?? false,
      authenticated: (conn, result) => {
        if (result.role === 'node') {
          this.links.get(result.peerId)?.install(conn, result);
          return;
        }
        // Authenticated: a client's requests may be as large as a node's frames (16 MiB values).
        conn.setMaxFrameBytes(this.ctx.maxFrameBytes);
        const client = new ClientConnection(
          result.peerId,
          conn,
          this.metrics,
          (reason, message) =>
            this.abuseLog.log('warn', 'client frame rejected', {
              node: this.nodeId,
              reason,
              message,
              client: result.peerId,
            }),
          () => this.clients.delete(client),
        );
        this.clients.add(client);
        if (this.clientHandler) this.clientHandler(client);
        else client.reject('unexpectedFrame', 'this node does not serve clients');
      },
    });
    this.metrics.setPeerSource(() => this.peers());
  }

  /** Receive Raft frames (each a private copy, from an authenticated peer). */
  onRaftFrame(handler: RaftFrameHandler): void {
    this.raftHandler = handler;
  }

  /** Serve client connections; without a handler, clients are refused. */
  onClient(handler: ClientHandler): void {
    this.clientHandler = handler;
  }

  onLinkChange(handler: (peer: string, up: boolean) => void): void {
    this.linkHandler = handler;
  }

  /** Listen (TCP and UDP) and start dialing the peers this node dials. */
  async start(): Promise<HostPort> {
    if (this.state !== 'new') throw new NetConfigError('transport already started');
    this.state = 'started';
    this.boundAddress = await this.listener.start();
    const udp = this.options.udp;
    if (udp !== false) {
      const probeMs = udp?.intervalMs ?? this.ctx.pingIntervalMs;
      // The resolved staleness bound (core's PeerHealth holds the default).
      const suspectAfterMs = new PeerHealth(this.ctx.health).suspectAfterMs;
      this.prober = new UdpProber({
        selfId: this.nodeId,
        clusterId: this.clusterId,
        key: this.ctx.secret.probeKey,
        host: this.boundAddress.host,
        port: udp?.port ?? this.boundAddress.port,
        intervalMs: probeMs,
        healthyIntervalMs: udp?.healthyIntervalMs ?? Math.min(2 * probeMs, suspectAfterMs / 2),
        lossAfterMs: this.ctx.health.downAfterMs,
        onAck: (peer, rtt, now) => this.links.get(peer)?.health.udpContact(now, rtt),
        onRejected: (reason, from) => {
          this.metrics.rejectProbe(reason);
          this.abuseLog.log('warn', 'probe rejected', { node: this.nodeId, reason, from });
        },
      });
      const udpPort = await this.prober.start();
      this.ctx.udpPort = udpPort;
      // Until a peer's handshake tells us otherwise, assume its UDP port equals its TCP port.
      for (const link of this.links.values())
        this.prober.setPeer(link.id, link.address.host, link.address.port);
    }
    for (const link of this.links.values()) link.start();
    this.ctx.log('info', 'transport listening', {
      address: formatHostPort(this.boundAddress),
      udpPort: this.ctx.udpPort ?? null,
      tls: this.ctx.tls !== undefined,
    });
    return this.boundAddress;
  }

  get address(): HostPort {
    if (!this.boundAddress) throw new NetConfigError('transport not started');
    return this.boundAddress;
  }

  get udpPort(): number | null {
    return this.prober?.port ?? null;
  }

  get peerIds(): string[] {
    return [...this.links.keys()];
  }

  /** The address a client should use to reach `peerId` (for leader redirects). */
  peerAddress(peerId: string): HostPort | undefined {
    return this.links.get(peerId)?.address;
  }

  /**
   * Queue a Raft frame for `to`. Returns false when it was not queued (unknown
   * peer, no link); Raft retransmits. When the peer's queue is full the
   * oldest Raft frames are dropped (counted), never the newest.
   */
  send(to: string, frame: Uint8Array): boolean {
    const link = this.links.get(to);
    if (!link || this.state !== 'started') return false;
    return link.sendRaft(frame);
  }

  isConnected(peerId: string): boolean {
    return this.links.get(peerId)?.connected ?? false;
  }

  /** Per-peer link state, dual-channel health and RTTs. */
  peers(): PeerStatus[] {
    const now = performance.now();
    return [...this.links.values()].map((link) => ({
      ...link.status(now),
      probes: this.prober?.counters(link.id) ?? null,
    }));
  }

  /**
   * Add a peer that joined the cluster (or move one to a new address): from
   * now on its handshake is accepted and, per the tie-break, this node dials
   * it. Returns false when nothing changed.
   */
  addPeer(peerId: string, address: HostPort): boolean {
    checkId(peerId, 'peer id');
    if (peerId === this.nodeId || this.state === 'closed') return false;
    const existing = this.links.get(peerId);
    if (existing && formatHostPort(existing.address) === formatHostPort(address)) return false;
    if (existing) existing.stop();
    const link = new PeerLink(peerId, address, this.nodeId < peerId, this.ctx);
    this.links.set(peerId, link);
    if (this.state === 'started') {
      this.prober?.setPeer(peerId, address.host, address.port);
      link.start();
    }
    this.ctx.log('info', existing ? 'peer address changed' : 'peer added', {
      peer: peerId,
      address: formatHostPort(address),
    });
    return true;
  }

  /** Drop a peer that left the cluster: its link closes and its handshakes are refused (`unknownNode`). */
  removePeer(peerId: string): boolean {
    const link = this.links.get(peerId);
    if (!link) return false;
    this.links.delete(peerId);
    link.stop();
    this.prober?.removePeer(peerId);
    this.ctx.log('info', 'peer removed', { peer: peerId });
    return true;
  }

  /** Test hook: drop the link to `peerId` now (it is redialed per the tie-break). */
  disconnect(peerId: string): void {
    this.links.get(peerId)?.disconnect('disconnect');
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    // Stop accepting first; the listener's close completes once every accepted socket is gone.
    const listenerClosed = this.listener.close().catch(() => {});
    for (const link of this.links.values()) link.stop();
    for (const client of this.clients) client.close();
    this.clients.clear();
    await this.prober?.close();
    await listenerClosed;
  }
}

function checkId(id: string, what: string): string {
  if (typeof id !== 'string' || id.length === 0) throw new NetConfigError(`bad ${what} "${id}": empty`);
  if (id.length > MAX_ID_LENGTH) {
    throw new NetConfigError(
      `${what} "${id.slice(0, 20)}..." is too long (${id.length} characters, at most ${MAX_ID_LENGTH})`,
    );
  }
  return id;
}
