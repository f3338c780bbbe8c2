import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import type { ReadMode, SplitBrainAlert, TimeoutMode } from '@raftkit/core';
import {
  type Cluster,
  type ClusterEvents,
  checkNodeId,
  createCluster,
  InvalidRequestError,
  type NodeHandle,
  type Router,
  type StateMachineSpec,
} from '@raftkit/runtime';
import { checkPeerList, formatHostPort, type HostPort } from '../address.js';
import { NetConfigError } from '../errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../framing/frame.js';
import { ClusterSecret } from '../handshake/secret.js';
import { type NetLogger, silentLogger } from '../log.js';
import { NetMetrics } from '../metrics.js';
import type { TlsOptions } from '../tls-options.js';
import { TcpTransport, type TcpTransportOptions } from '../transport.js';
import { type PreparedDataDir, prepareDataDir } from './data-dir.js';
import { NodeServer, type NodeStatusReport } from './node-server.js';
import { raftBatchValidator } from './raft-batch-check.js';

export interface RaftkitNodeOptions {
  readonly id: string;
  readonly listen: HostPort;
  /** Every other node and the address it listens on. */
  readonly peers: ReadonlyMap<string, HostPort>;
  /** Data directory (LMDB store + node.json), or 'memory' for a node that forgets everything (tests only). */
  readonly dataDir: string | 'memory';
  readonly secret: ClusterSecret | string | Uint8Array;
  /** Default 'raftkit'. */
  readonly clusterId?: string;
  /** UDP probe port (default: the TCP port), or false to disable probes. */
  readonly udpPort?: number | false;
  /** Serve Prometheus metrics on this port (0: any free port). */
  readonly metricsPort?: number;
  /** Host of the metrics server. Default: the listen host. */
  readonly metricsHost?: string;
  readonly tls?: TlsOptions;
  /** Wall-clock length of a Raft tick. Default 50 ms. */
  readonly tickMs?: number;
  /** Election timeout base in ticks. Default 10. */
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly readMode?: ReadMode;
  /** Checkpoint interval K for divergence detection (0: off). Default: the runtime's (100). */
  readonly checkpointInterval?: number;
  /** 'adaptive': election timeout and heartbeat follow the measured RTT. Default 'fixed'. */
  readonly timeouts?: TimeoutMode;
  /** This node's leader priority (integer >= 0). Default 0. */
  readonly priority?: number;
  /**
   * The replicated state machine: the built-in KV store (default) or an app
   * machine module `{ module, export?, options? }` (a relative path resolves
   * from the current directory). Every node of a cluster must run the same.
   */
  readonly stateMachine?: StateMachineSpec;
  /** Period of the node's `status` event and of the metrics' node gauges. Default 500 ms. */
  readonly statusIntervalMs?: number;
  readonly logger?: NetLogger;
  /** Advanced transport settings (timeouts, queue limits, ...). */
  readonly transport?: Partial<TcpTransportOptions>;
}

/**
 * One Raft node in this OS process: the runtime's cluster hosting only this
 * node id (`createCluster({ nodes, local: [id] })`: its actor on a worker
 * thread, the side-work pool, the main-thread events and split-brain
 * monitor), with the TCP transport as the router's link to every other node,
 * a client server on the same listen port, and optional Prometheus metrics.
 *
 * `RaftkitNode.start(options)` does it all; `RaftkitNode.create(options)`
 * stops short of starting the actor, so that listeners on `node.events` see
 * everything from its first tick (the first election included); then
 * `await node.start()`.
 */
export class RaftkitNode {
  readonly id: string;
  readonly metrics: NetMetrics;
  /**
   * This node's events: `transition` (each role change), `status` (every
   * `statusIntervalMs`), `alert` (split-brain monitor over this node, and the
   * actor's own hash checks), `observation` (what the node reports for a
   * monitor: feed the observations of every node to one SplitBrainMonitor to
   * watch a whole multi-process cluster) and `node` (actor lifecycle).
   */
  readonly events: ClusterEvents;
  /** Control handle of this node's actor: status, read, propose, transferLeadership, campaign, verifyStateHash. */
  readonly actor: NodeHandle;
  private metricsServer: Server | null = null;
  private state: 'created' | 'starting' | 'running' | 'stopped' = 'created';
  private stopping: Promise<void> | null = null;
  private failure: Error | null = null;
  private resolveStopped!: (failure: Error | null) => void;
  /** Resolves once the node has stopped: null after stop(), the error when its actor died. */
  readonly stopped: Promise<Error | null> = new Promise((resolve) => {
    this.resolveStopped = resolve;
  });

  private constructor(
    private readonly opts: RaftkitNodeOptions,
    readonly transport: TcpTransport,
    /** The runtime cluster in this process: every node id as a voter, only this one local. */
    readonly cluster: Cluster,
    readonly server: NodeServer,
    private readonly data: PreparedDataDir | null,
    metrics: NetMetrics,
    private readonly logger: NetLogger,
  ) {
    this.id = opts.id;
    this.metrics = metrics;
    this.events = cluster.events;
    this.actor = cluster.node(opts.id);
    this.watchEvents();
  }

  /** Create and start a node: the actor runs when this resolves. */
  static async start(opts: RaftkitNodeOptions): Promise<RaftkitNode> {
    const node = await RaftkitNode.create(opts);
    await node.start();
    return node;
  }

  /**
   * Everything but the actor: the data dir is checked, the transport
   * listens (clients get NodeStopped answers until start()), the router's
   * links are in place. Subscribe to `events`, then call `start()`.
   */
  static async create(opts: RaftkitNodeOptions): Promise<RaftkitNode> {
    // Ids and the peer list first: nothing (no data dir) is created for a start that cannot run.
    for (const id of [opts.id, ...opts.peers.keys()]) asConfigError(() => checkNodeId(id));
    checkPeerList(opts.id, opts.listen, opts.peers);
    const clusterId = opts.clusterId ?? 'raftkit';
    const logger = opts.logger ?? silentLogger;
    const metrics = new NetMetrics();
    const secret = opts.secret instanceof ClusterSecret ? opts.secret : ClusterSecret.from(opts.secret);
    const maxFrameBytes = opts.transport?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const data = opts.dataDir === 'memory' ? null : prepareDataDir(opts.dataDir, opts.id, clusterId);
    const peers = [...opts.peers.keys()];
    const transport = new TcpTransport({
      ...opts.transport,
      nodeId: opts.id,
      clusterId,
      secret,
      listen: opts.listen,
      peers: opts.peers,
      udp: opts.udpPort === false ? false : { ...(opts.transport?.udp || {}), port: opts.udpPort },
      tls: opts.tls,
      metrics,
      logger,
      maxFrameBytes,
      validateRaftFrame: raftBatchValidator(opts.id, maxFrameBytes),
    });
    const cluster = await createCluster({
      nodes: [opts.id, ...peers].sort(),
      local: [opts.id],
      ...(data
        ? {
            storage: 'lmdb' as const,
            dataDir: opts.dataDir,
            nodeOptions: {
              [opts.id]: {
                storePath: resolve(data.storePath),
                mustExist: data.mode === 'mustExist',
                epoch: data.epoch,
              },
            },
          }
        : { storage: 'memory' as const }),
      tickMs: opts.tickMs ?? 50,
      electionTicks: opts.electionTicks ?? 10,
      heartbeatTicks: opts.heartbeatTicks ?? 1,
      preVote: opts.preVote ?? true,
      checkQuorum: opts.checkQuorum ?? true,
      readMode: opts.readMode ?? 'readIndex',
      ...(opts.checkpointInterval !== undefined ? { checkpointInterval: opts.checkpointInterval } : {}),
      ...(opts.timeouts !== undefined ? { timeouts: opts.timeouts } : {}),
      ...(opts.priority !== undefined ? { priorities: { [opts.id]: opts.priority } } : {}),
      ...(opts.stateMachine !== undefined ? { stateMachine: opts.stateMachine } : {}),
      seed: randomInt(2 ** 31),
      statusIntervalMs: opts.statusIntervalMs ?? 500,
      start: false,
    }).catch((error: unknown) => {
      throw toConfigError(error);
    });

    const router = cluster.router;
    router.addLink(peers, {
      // The batch is a fresh buffer the router hands over; it goes to the socket as one frame.
      deliver: (_from, to, batch) => transport.send(to, new Uint8Array(batch)),
    });
    // Through the router, so its fault table applies to what arrives from other processes too.
    transport.onRaftFrame((from, frame) => router.send(from, opts.id, frame.buffer as ArrayBuffer));
    const server = new NodeServer({
      transport,
      backend: cluster.node(opts.id),
      alerts: (): readonly SplitBrainAlert[] => cluster.alerts().sort((a, b) => a.at - b.at),
    });
    try {
      await transport.start();
    } catch (error) {
      await transport.close();
      await cluster.close();
      throw error;
    }
    return new RaftkitNode(opts, transport, cluster, server, data, metrics, logger);
  }

  get address(): HostPort {
    return this.transport.address;
  }

  /** The runtime's router of this process: its fault table cuts this node's links (tests, the demo). */
  get router(): Router {
    return this.cluster.router;
  }

  get metricsAddress(): HostPort | null {
    const a = this.metricsServer?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
  }

  /** Start the actor (once): it opens its store and starts ticking; then metrics are served. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new NetConfigError(`node ${this.id} was already started`);
    this.state = 'starting';
    try {
      await this.cluster.start();
      this.data?.commit();
      await this.startMetrics();
    } catch (error) {
      await this.stop();
      throw error;
    }
    if (this.stopping) return;
    this.state = 'running';
    this.logger.log('info', 'node started', {
      node: this.id,
      listen: formatHostPort(this.transport.address),
      udpPort: this.transport.udpPort,
      metrics: this.metricsAddress ? formatHostPort(this.metricsAddress) : null,
      storage: this.data ? this.data.storePath : 'memory',
      epoch: this.data?.epoch ?? 0,
    });
  }

  status(): Promise<NodeStatusReport> {
    return this.server.report();
  }

  /** Graceful stop: the actor flushes and closes its store, then links and listeners close. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.logger.log('info', 'node stopping', { node: this.id });
      await this.cluster.close();
      await this.transport.close();
      const server = this.metricsServer;
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      this.state = 'stopped';
      this.logger.log('info', 'node stopped', { node: this.id });
      this.resolveStopped(this.failure);
    })();
    return this.stopping;
  }

  /** Metrics and logs from the node's events; a dead actor stops the node. */
  private watchEvents(): void {
    const { events, metrics, logger } = this;
    events.on('transition', (t) => {
      if (t.to === 'candidate') metrics.electionStarted();
      logger.log('info', 'role transition', {
        node: t.node,
        from: t.from,
        to: t.to,
        term: t.term,
        reason: t.reason,
      });
    });
    events.on('alert', (alert) => {
      metrics.alertRaised(alert.kind, alert.severity);
      // One JSON line per alert (stderrLogger): kind, severity, the nodes and index it names.
      logger.log(alert.severity === 'safety' ? 'error' : 'warn', `${alert.kind} alert`, {
        node: this.id,
        kind: alert.kind,
        severity: alert.severity,
        nodes: alert.nodes,
        index: alert.index,
        term: alert.term,
        alert,
      });
    });
    events.on('status', (s) => {
      const st = s.nodes[this.id];
      if (!st) return;
      metrics.updateNode({
        role: st.role,
        term: st.term,
        commitIndex: st.commitIndex,
        appliedIndex: st.appliedIndex,
        proposalsCommitted: st.proposals.committed,
        proposalsDropped: st.proposals.dropped,
      });
    });
    events.on('node', (n) => {
      if (n.event !== 'crashed' && n.event !== 'killed') return;
      this.failure = new Error(`actor ${n.event}${n.error ? `: ${n.error}` : ''}`);
      logger.log('error', 'actor stopped with an error', { node: this.id, error: this.failure.message });
      void this.stop();
    });
  }

  private async startMetrics(): Promise<void> {
    if (this.opts.metricsPort === undefined) return;
    const server = createServer((req, res) => {
      if (req.method !== 'GET') {
        res.writeHead(405).end();
        return;
      }
      const path = (req.url ?? '/').split('?')[0];
      const reply = path === '/metrics' ? this.metrics.metrics() : path === '/status' ? this.status() : null;
      if (!reply) {
        res.writeHead(404).end('try /metrics or /status\n');
        return;
      }
      reply.then(
        (body) => {
          const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
          res.writeHead(200, {
            'content-type': path === '/metrics' ? this.metrics.contentType : 'application/json',
          });
          res.end(text);
        },
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
    this.metricsServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.metricsPort, this.opts.metricsHost ?? this.opts.listen.host, () => resolve());
    });
  }
}

/** The runtime's option checks (e.g. node ids) are configuration errors here. */
function toConfigError(error: unknown): unknown {
  return error instanceof InvalidRequestError ? new NetConfigError(error.message) : error;
}

function asConfigError(check: () => void): void {
  try {
    check();
  } catch (error) {
    throw toConfigError(error);
  }
}
