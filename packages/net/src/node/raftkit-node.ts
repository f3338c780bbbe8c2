import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { ReadMode } from '@raftkit/core';
import { Router } from '@raftkit/runtime';
import { formatHostPort, type HostPort } from '../address.js';
import { NetConfigError } from '../errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../framing/frame.js';
import { ClusterSecret } from '../handshake/secret.js';
import { type NetLogger, silentLogger } from '../log.js';
import { NetMetrics } from '../metrics.js';
import type { TlsOptions } from '../tls-options.js';
import { TcpTransport, type TcpTransportOptions } from '../transport.js';
import { prepareDataDir } from './data-dir.js';
import { NodeServer, type NodeStatusReport } from './node-server.js';
import { raftBatchValidator } from './raft-batch-check.js';
import { WorkerActor } from './worker-actor.js';

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
  readonly logger?: NetLogger;
  /** Advanced transport settings (timeouts, queue limits, ...). */
  readonly transport?: Partial<TcpTransportOptions>;
}

/**
 * One Raft node in this OS process: its actor on a worker thread, the
 * runtime's Router with the TCP transport as the link to every other node,
 * a client server on the same listen port, and optional Prometheus metrics.
 */
export class RaftkitNode {
  readonly id: string;
  readonly metrics: NetMetrics;
  private metricsServer: Server | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
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
    readonly router: Router,
    readonly actor: WorkerActor,
    readonly server: NodeServer,
    metrics: NetMetrics,
    private readonly logger: NetLogger,
  ) {
    this.id = opts.id;
    this.metrics = metrics;
  }

  static async start(opts: RaftkitNodeOptions): Promise<RaftkitNode> {
    if (opts.peers.has(opts.id))
      throw new NetConfigError(`--peers must not list the node itself (${opts.id})`);
    const clusterId = opts.clusterId ?? 'raftkit';
    const logger = opts.logger ?? silentLogger;
    const metrics = new NetMetrics();
    const secret = opts.secret instanceof ClusterSecret ? opts.secret : ClusterSecret.from(opts.secret);
    const maxFrameBytes = opts.transport?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const data = opts.dataDir === 'memory' ? null : prepareDataDir(opts.dataDir, opts.id, clusterId);

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
    const router = new Router({ seed: randomInt(2 ** 31) });
    await transport.start();
    let actor: WorkerActor;
    const events: { node: RaftkitNode | null } = { node: null };
    try {
      actor = await WorkerActor.start({
        actor: {
          id: opts.id,
          peers: [opts.id, ...opts.peers.keys()].sort(),
          seed: randomInt(2 ** 31),
          tickMs: opts.tickMs ?? 50,
          electionTicks: opts.electionTicks ?? 10,
          heartbeatTicks: opts.heartbeatTicks ?? 1,
          preVote: opts.preVote ?? true,
          checkQuorum: opts.checkQuorum ?? true,
          readMode: opts.readMode ?? 'readIndex',
          machine: 'kv',
          epoch: data?.epoch ?? 0,
          hashCheckEvery: 0,
          checkpointEvery: 100,
          observeEveryMs: Math.max(10, (opts.tickMs ?? 50) * 2),
        },
        storage: data ? { kind: 'lmdb', path: data.storePath, mode: data.mode } : { kind: 'memory' },
        onEvent: (ev) => {
          if (ev.type === 'transition') {
            const t = ev.transition;
            if (t.to === 'candidate') metrics.electionStarted();
            logger.log('info', 'role transition', {
              node: t.node,
              from: t.from,
              to: t.to,
              term: t.term,
              reason: t.reason,
            });
          } else if (ev.type === 'alert') {
            logger.log('error', 'split-brain alert', { node: opts.id, alert: ev.alert });
          }
        },
        onExit: (error) => {
          if (error)
            logger.log('error', 'actor stopped with an error', { node: opts.id, error: error.message });
          void events.node?.stop();
        },
      });
    } catch (error) {
      await transport.close();
      throw error;
    }
    data?.commit();
    router.attach(opts.id, actor.raftPort);
    router.addLink([...opts.peers.keys()], {
      // The batch is a fresh buffer the router hands over; it goes to the socket as one frame.
      deliver: (_from, to, batch) => transport.send(to, new Uint8Array(batch)),
    });
    transport.onRaftFrame((from, frame) => router.send(from, opts.id, frame.buffer as ArrayBuffer));
    const server = new NodeServer({ transport, backend: actor });
    const node = new RaftkitNode(opts, transport, router, actor, server, metrics, logger);
    events.node = node;
    await node.startMetrics();
    node.startStatusPolling();
    logger.log('info', 'node started', {
      node: opts.id,
      listen: formatHostPort(transport.address),
      udpPort: transport.udpPort,
      metrics: node.metricsAddress ? formatHostPort(node.metricsAddress) : null,
      storage: data ? data.storePath : 'memory',
      epoch: data?.epoch ?? 0,
    });
    return node;
  }

  get address(): HostPort {
    return this.transport.address;
  }

  get metricsAddress(): HostPort | null {
    const a = this.metricsServer?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
  }

  status(): Promise<NodeStatusReport> {
    return this.server.report();
  }

  /** Graceful stop: the actor flushes and closes its store, then links and listeners close. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.logger.log('info', 'node stopping', { node: this.id });
      if (this.statusTimer) clearInterval(this.statusTimer);
      await this.actor.shutdown();
      await this.router.close();
      await this.transport.close();
      const server = this.metricsServer;
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      this.logger.log('info', 'node stopped', { node: this.id });
      this.resolveStopped(this.failure);
    })();
    return this.stopping;
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

  private startStatusPolling(): void {
    const poll = () => {
      if (!this.actor.running) return;
      this.actor.status().then(
        (st) =>
          this.metrics.updateNode({
            role: st.role,
            term: st.term,
            commitIndex: st.commitIndex,
            appliedIndex: st.appliedIndex,
            proposalsCommitted: st.proposals.committed,
            proposalsDropped: st.proposals.dropped,
          }),
        () => {},
      );
    };
    poll();
    this.statusTimer = setInterval(poll, 500);
    this.statusTimer.unref();
  }
}
