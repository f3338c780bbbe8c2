import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import type { RaftTuning, SplitBrainAlert } from '@raftkit/core';
import {
  type Cluster,
  type ClusterEvents,
  type ClusterOptions,
  checkNodeId,
  createCluster,
  type FlatRaftOptions,
  InvalidRequestError,
  type NodeHandle,
  type Router,
  type RuntimeNodeStatus,
  type StateMachineSpec,
} from '@raftkit/runtime';
import { checkPeerList, formatHostPort, type HostPort, parseHostPort } from '../address.js';
import { AdminClient } from '../client/admin-client.js';
import { NetConfigError, RemovedFromClusterError } from '../errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../framing/frame.js';
import { ClusterSecret } from '../handshake/secret.js';
import { type NetLogger, silentLogger } from '../log.js';
import { NetMetrics } from '../metrics.js';
import type { TlsOptions } from '../tls-options.js';
import { TcpTransport, type TcpTransportOptions } from '../transport.js';
import { holdsNode, type PreparedDataDir, prepareDataDir } from './data-dir.js';
import { type JoinPlan, joinAsMember, planJoin } from './join.js';
import { NodeServer, type NodeStatusReport } from './node-server.js';
import { handoverTarget, LeaderOperations } from './operations.js';
import { PeerDirectory } from './peer-directory.js';
import { raftBatchValidator } from './raft-batch-check.js';
import { type RepairAnswer, repairSelf } from './self-repair.js';

/** RaftTuning options RaftkitNodeOptions also takes flat (its options before `raft`). */
export const NODE_FLAT_RAFT_OPTIONS = [
  'electionTicks',
  'heartbeatTicks',
  'preVote',
  'checkQuorum',
  'readMode',
  'checkpointInterval',
  'snapshotEntries',
  'timeouts',
] as const satisfies readonly (keyof FlatRaftOptions)[];

/** `tickMs`: the wall-clock length of a Raft tick (default: the runtime's DEFAULT_TICK_MS, 50 ms). */
export interface RaftkitNodeOptions
  extends Pick<RaftTuning, (typeof NODE_FLAT_RAFT_OPTIONS)[number]>,
    Pick<ClusterOptions, 'tickMs'> {
  readonly id: string;
  readonly listen: HostPort;
  /**
   * Every other node and the address it listens on: seeds the first boot.
   * Afterwards the peers follow the configuration (membership entries carry
   * each member's address).
   */
  readonly peers: ReadonlyMap<string, HostPort>;
  /**
   * Join a running cluster: addresses of some of its members. A new, empty
   * node asks the leader to add it as a learner, catches up and is promoted
   * (unless `learner`); it never forms a cluster of its own. Ignored (and
   * logged) when the data dir already holds a node.
   */
  readonly join?: readonly HostPort[];
  /**
   * The address the other members (and clients) reach this node at, when it
   * differs from `listen` (a NAT, a port forward, a proxy in between): it is
   * what a join or a repair announces to the cluster and what this node's
   * `members` answer lists for itself. Default: the bound listen address.
   */
  readonly advertise?: HostPort;
  /**
   * A cluster of one, said explicitly: a first start on an empty data dir
   * needs `peers` (a new cluster), `join` (a new member) or this. Without any
   * of them the start is refused (a forgotten --peers must not form a cluster
   * of one that acknowledges writes alone).
   */
  readonly singleNode?: boolean;
  /** With `join`: stay a learner (never promoted). */
  readonly learner?: boolean;
  /** Rebuild this node from the others when its state is found diverged (as `raftkit repair`). */
  readonly autoRepair?: boolean;
  /** Deadline of a join or a repair (catching up included). Default 120 s. */
  readonly membershipTimeoutMs?: number;
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
  /**
   * How this node runs Raft: core's RaftTuning, the same on every node of a
   * cluster (`raftkit node`'s Raft flags map onto it). Defaults: the
   * runtime's (createCluster's `raft`), except that this transport's frame
   * limit caps the message sizes. The options of NODE_FLAT_RAFT_OPTIONS may
   * also be given flat, as before (`electionTicks: 20`).
   */
  readonly raft?: RaftTuning;
  /** Entries kept behind a snapshot for slow followers (beyond them a follower gets the snapshot). Default: the runtime's (1,000). */
  readonly snapshotCatchUpEntries?: number;
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
  private directory!: PeerDirectory;
  private repairing: Promise<RepairAnswer> | null = null;
  private leaderlessSince: number | null = null;
  private lastMembershipProbe = 0;
  private lastAddressLookup = 0;
  private joinPlan: JoinPlan | null = null;
  /**
   * Applied index from which this node's configuration is known to include its
   * own admission (0: from the start; a joiner: once its addLearner is applied).
   */
  private admittedAt = 0;
  /**
   * A joining node: resolves once it is a learner (and promoted, unless it
   * stays a learner); rejects when that failed. null for other nodes.
   */
  joined: Promise<void> | null = null;
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
    const wantsJoin = (opts.join?.length ?? 0) > 0;
    if (opts.singleNode && (opts.peers.size > 0 || wantsJoin)) {
      throw new NetConfigError('--single-node is a cluster of one: it takes no --peers and no --join');
    }
    const existing = opts.dataDir !== 'memory' && holdsNode(opts.dataDir);
    if (wantsJoin && existing) {
      logger.log('warn', `${opts.dataDir} already holds node ${opts.id} of a cluster: ignoring --join`, {
        node: opts.id,
      });
    }
    let plan: JoinPlan | null = null;
    if (wantsJoin && !existing) {
      const admin = await AdminClient.connect({
        cluster: opts.join as HostPort[],
        secret,
        clusterId,
        tls: opts.tls,
        timeoutMs: opts.membershipTimeoutMs,
      });
      try {
        plan = await planJoin(opts.id, admin);
      } finally {
        admin.close();
      }
    }
    const data =
      opts.dataDir === 'memory'
        ? null
        : prepareDataDir(opts.dataDir, opts.id, clusterId, {
            peers: [...opts.peers.keys()],
            singleNode: opts.singleNode === true,
            joined: plan ? [...plan.voters, ...plan.learners] : null,
            machine: opts.stateMachine === undefined || opts.stateMachine === 'kv' ? 'kv' : 'app',
          });
    const seeds = plan ? plan.peers : opts.peers;
    const peers = [...seeds.keys()];
    const transport = new TcpTransport({
      ...opts.transport,
      nodeId: opts.id,
      clusterId,
      secret,
      listen: opts.listen,
      peers: seeds,
      udp: opts.udpPort === false ? false : { ...(opts.transport?.udp || {}), port: opts.udpPort },
      tls: opts.tls,
      metrics,
      logger,
      maxFrameBytes,
      validateRaftFrame: raftBatchValidator(opts.id, maxFrameBytes),
    });
    // A joiner starts as a learner of the configuration it was told: it never campaigns on its own.
    const joining = plan ? { voters: plan.voters, learners: [...plan.learners, opts.id] } : undefined;
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
                ...(joining ? { joining } : {}),
              },
            },
          }
        : { storage: 'memory' as const, ...(joining ? { nodeOptions: { [opts.id]: { joining } } } : {}) }),
      // Everything a node sends a peer fits in one frame of the peer's limit: batches are
      // split to it, one entry (with its message and batch headers) stays below it, and at
      // most maxInflightMsgs x maxBytesPerMsg (16 x 1 MiB) of appends are in flight per peer.
      maxBatchBytes: maxFrameBytes,
      ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}),
      // The tuning as given (createCluster maps the flat aliases, applies the defaults and checks it),
      // within this transport's limits: an entry fits in one frame, and at most 16 appends of core's
      // maxBytesPerMsg (1 MiB) are in flight per peer (the link's bounded queue holds them).
      ...Object.fromEntries(NODE_FLAT_RAFT_OPTIONS.map((name) => [name, opts[name]])),
      raft: {
        maxInflightMsgs: 16,
        ...opts.raft,
        maxProposalBytes: Math.min(
          opts.raft?.maxProposalBytes ?? Number.POSITIVE_INFINITY,
          maxProposalBytesFor(maxFrameBytes),
        ),
      },
      ...(opts.snapshotCatchUpEntries !== undefined
        ? { snapshotCatchUpEntries: opts.snapshotCatchUpEntries }
        : {}),
      ...(opts.priority !== undefined ? { priorities: { [opts.id]: opts.priority } } : {}),
      ...(opts.stateMachine !== undefined ? { stateMachine: opts.stateMachine } : {}),
      seed: randomInt(2 ** 31),
      statusIntervalMs: opts.statusIntervalMs ?? 500,
      start: false,
    }).catch((error: unknown) => {
      throw toConfigError(error);
    });

    const router = cluster.router;
    const link = {
      // The batch is a fresh buffer the router hands over; it goes to the socket as one frame.
      deliver: (_from: string, to: string, batch: ArrayBuffer) => transport.send(to, new Uint8Array(batch)),
    };
    router.addLink(peers, link);
    // Through the router, so its fault table applies to what arrives from other processes too.
    transport.onRaftFrame((from, frame) => router.send(from, opts.id, frame.buffer as ArrayBuffer));
    let self: RaftkitNode | null = null;
    const leaderOps = new LeaderOperations(cluster.node(opts.id), (id, address) => {
      try {
        self?.directory.learn(id, parseHostPort(address));
      } catch (error) {
        throw new InvalidRequestError(`bad address for ${id}: ${(error as Error).message}`);
      }
    });
    const server = new NodeServer({
      transport,
      advertise: opts.advertise,
      backend: cluster.node(opts.id),
      alerts: (): readonly SplitBrainAlert[] => cluster.alerts().sort((a, b) => a.at - b.at),
      operations: {
        confChange: (c) => leaderOps.confChange(c),
        transferLeader: (to) => leaderOps.transferLeader(to),
        snapshot: () => leaderOps.snapshot(),
        repair: (node) =>
          self && node === opts.id
            ? self.repair()
            : Promise.reject(
                new InvalidRequestError(`ask node ${node} itself to repair (this is ${opts.id})`),
              ),
      },
    });
    try {
      await transport.start();
    } catch (error) {
      await transport.close();
      await cluster.close();
      throw error;
    }
    const node = new RaftkitNode(opts, transport, cluster, server, data, metrics, logger);
    self = node;
    node.directory = new PeerDirectory(opts.id, transport, router, link, seeds, logger);
    node.joinPlan = plan;
    return node;
  }

  get address(): HostPort {
    return this.transport.address;
  }

  /** Where the other members reach this node: `advertise`, else the listen address. */
  get advertisedAddress(): HostPort {
    return this.opts.advertise ?? this.transport.address;
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
    if (this.joinPlan) {
      this.admittedAt = Number.POSITIVE_INFINITY;
      this.joined = this.joinCluster();
      // A failed join is logged and stops the node; callers may await `joined` for the error.
      this.joined.catch(() => {});
    }
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

  /** The leader to-be adds this node as a learner, then promotes it once caught up (unless `learner`). */
  private async joinCluster(): Promise<void> {
    let admin: AdminClient | null = null;
    try {
      admin = await this.adminOfOthers();
      await joinAsMember({
        admin,
        alreadyLearner: this.joinPlan?.alreadyLearner ?? false,
        self: this.id,
        address: formatHostPort(this.advertisedAddress),
        status: () => this.actor.status(),
        stayLearner: this.opts.learner === true,
        logger: this.logger,
        admitted: (index) => {
          this.admittedAt = index;
        },
      });
    } catch (error) {
      this.logger.log('error', 'joining the cluster failed', {
        node: this.id,
        error: (error as Error).message,
      });
      this.failure = error as Error;
      void this.stop();
      throw error;
    } finally {
      admin?.close();
    }
  }

  /** A client of the other members (seeded with every address this node knows but its own, and --join's). */
  private adminOfOthers(): Promise<AdminClient> {
    const secret = this.opts.secret;
    // The --join addresses too: a joined node restarted with them (join ignored) may know no peer yet.
    const known = this.directory.addresses();
    const own = [this.transport.address, this.advertisedAddress].map(formatHostPort);
    const contacts = (this.opts.join ?? []).filter(
      (a) => !own.includes(formatHostPort(a)) && !known.some((k) => formatHostPort(k) === formatHostPort(a)),
    );
    return AdminClient.connect({
      cluster: [...known, ...contacts],
      secret: secret instanceof ClusterSecret ? secret : ClusterSecret.from(secret),
      clusterId: this.opts.clusterId,
      tls: this.opts.tls,
      timeoutMs: this.opts.membershipTimeoutMs ?? 120_000,
    });
  }

  /**
   * Rebuild this node from the others (`raftkit repair ID`, `--auto-repair`):
   * leave the configuration, wipe the store, rejoin as a fresh learner, be
   * promoted, and resolve once the state hash equals the common one.
   * Concurrent calls share one repair.
   */
  repair(): Promise<RepairAnswer> {
    if (this.repairing) return this.repairing;
    if (this.state !== 'running') return Promise.reject(new NetConfigError(`node ${this.id} is not running`));
    this.repairing = repairSelf(
      {
        id: this.id,
        address: formatHostPort(this.advertisedAddress),
        actor: this.actor,
        cluster: this.cluster,
        logger: this.logger,
        admin: () => this.adminOfOthers(),
      },
      this.opts.membershipTimeoutMs ?? 120_000,
    ).finally(() => {
      this.repairing = null;
    });
    return this.repairing;
  }

  /**
   * If this node leads, hand leadership to its most caught-up voter and wait
   * (at most `timeoutMs`) until that one leads: a node about to stop (SIGTERM)
   * leaves no leaderless gap behind. Returns the new leader, or null when
   * this node did not lead (or the transfer did not finish in time).
   */
  async handOverLeadership(timeoutMs?: number): Promise<string | null> {
    const st = await this.actor.status().catch(() => null);
    if (st?.role !== 'leader') return null;
    const to = handoverTarget(st.progress, st.conf.voters, this.id);
    if (to === null) return null;
    const limit = timeoutMs ?? 3 * st.timeouts.electionTicks * st.tickMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.actor.transferLeadership(to),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no handover within ${limit} ms`)), limit);
        }),
      ]);
      this.logger.log('info', 'handed leadership over before stopping', { node: this.id, to });
      return to;
    } catch (error) {
      this.logger.log('warn', 'leadership handover failed', {
        node: this.id,
        to,
        error: (error as Error).message,
      });
      return null;
    } finally {
      clearTimeout(timer);
    }
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
      if (this.opts.autoRepair && alert.kind === 'divergence' && alert.nodes.includes(this.id)) {
        if (this.state === 'running' && !this.repairing) {
          logger.log('warn', 'auto-repair: this node diverged; rebuilding it from the others', {
            node: this.id,
          });
          this.repair().catch((error: unknown) =>
            logger.log('error', 'auto-repair failed', { node: this.id, error: (error as Error).message }),
          );
        }
      }
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
      this.followConfiguration(st);
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

  /**
   * Peers follow the configuration in force; a node that is no longer in a
   * committed configuration (or, cut off and leaderless, hears from the
   * leader that it is not) was removed: it stops serving.
   */
  private followConfiguration(st: RuntimeNodeStatus): void {
    if (this.state !== 'running' || this.repairing) return;
    // Until it has applied its own admission, a joiner's configuration may be older than it (a
    // snapshot taken before it was added): it neither drops peers nor concludes it was removed.
    const settled = st.appliedIndex >= this.admittedAt;
    const { missing } = this.directory.reconcile(st.conf, !settled);
    this.data?.recordMembers([...st.conf.voters, ...st.conf.learners]);
    const now = performance.now();
    const electionMs = st.timeouts.electionTicks * st.tickMs;
    if (missing.length > 0 && now - this.lastAddressLookup > electionMs) {
      // A member whose address we never saw (e.g. added while we were down): the leader knows it.
      this.lastAddressLookup = now;
      void this.lookUpAddresses();
    }
    if (!settled) return;
    const member = st.conf.voters.includes(this.id) || st.conf.learners.includes(this.id);
    if (st.leader !== null && member) {
      this.leaderlessSince = null;
      return;
    }
    this.leaderlessSince ??= now;
    // Not in its own configuration, or a leaderless while (a removed node may never see its removal:
    // the leader stops replicating to it): the leader, who knows, is asked.
    const waited = now - this.leaderlessSince >= electionMs;
    if ((member && !waited) || now - this.lastMembershipProbe < electionMs) return;
    this.lastMembershipProbe = now;
    void this.probeMembership();
  }

  private async lookUpAddresses(): Promise<void> {
    let admin: AdminClient | null = null;
    try {
      admin = await this.adminOfOthers();
      const info = await admin.leaderMembers();
      for (const m of info?.members ?? []) this.directory.learn(m.id, parseHostPort(m.address));
    } catch {
      // Nobody answered: asked again on a later status tick.
    } finally {
      admin?.close();
    }
  }

  private async probeMembership(): Promise<void> {
    let admin: AdminClient | null = null;
    try {
      admin = await this.adminOfOthers();
      const info = await admin.leaderMembers();
      if (!info?.voters || !info.learners || info.self === this.id || this.repairing) return;
      if (!info.voters.includes(this.id) && !info.learners.includes(this.id)) {
        this.leave(`leader ${info.self} does not list it (voters ${info.voters.join(',')})`);
      }
    } catch {
      // Nobody answered: not evidence of a removal. Probed again later.
    } finally {
      admin?.close();
    }
  }

  private leave(detail: string): void {
    if (this.stopping) return;
    this.failure = new RemovedFromClusterError(this.id, detail);
    this.logger.log('warn', 'removed from the cluster: stopping', { node: this.id, detail });
    this.data?.markRemoved();
    void this.stop();
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

/** Room for an append message's and a batch's headers around one entry. */
const FRAME_HEADROOM_BYTES = 128 * 1024;

/** The largest proposal (entry payload) a node with this frame limit accepts. */
export function maxProposalBytesFor(maxFrameBytes: number): number {
  return maxFrameBytes - Math.min(FRAME_HEADROOM_BYTES, Math.floor(maxFrameBytes / 8));
}
