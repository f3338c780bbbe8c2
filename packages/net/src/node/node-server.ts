import type { SplitBrainAlert } from '@raftkit/core';
import {
  AppError,
  InvalidRequestError,
  NodeStoppedError,
  type ReadConsistency,
  type ReadResult,
  RuntimeError,
  type RuntimeNodeStatus,
  toWireError,
} from '@raftkit/runtime';
import { formatHostPort, type HostPort } from '../address.js';
import {
  type ClientRequest,
  decodeClientRequest,
  encodeClientResponse,
  type MembersInfo,
} from '../client/protocol.js';
import type { ClientConnection } from '../client-connection.js';
import type { PeerStatus } from '../peer-status.js';
import type { TcpTransport } from '../transport.js';
import type { NodeOperations } from './operations.js';

/** What the server needs from the local Raft node (the actor's control API). */
export interface NodeBackend {
  readonly id: string;
  readonly running: boolean;
  propose(data: Uint8Array): Promise<unknown>;
  read(key: string, consistency: ReadConsistency): Promise<ReadResult>;
  query(query: unknown, consistency: ReadConsistency): Promise<ReadResult>;
  status(): Promise<RuntimeNodeStatus>;
}

/** One node's answer to `status`: Raft state, links, dual-channel health and RTTs, rejection counts. */
export interface NodeStatusReport {
  readonly id: string;
  readonly address: string;
  /** null when the actor is not running. */
  readonly node: RuntimeNodeStatus | null;
  readonly peers: readonly PeerStatus[];
  /** The most recent alerts seen by this node's process (oldest first; at most `recentAlerts`). */
  readonly alerts: readonly SplitBrainAlert[];
  readonly net: {
    readonly rejectedConnections: number;
    readonly rejectedFrames: number;
    readonly rejectedProbes: number;
    readonly droppedFrames: number;
    readonly clients: number;
  };
}

export interface NodeServerOptions {
  readonly transport: TcpTransport;
  readonly backend: NodeBackend;
  /** Requests one client connection may have in flight. Default 256. */
  readonly maxInflightPerClient?: number;
  /** The alerts seen so far (the report shows the latest few). Default: none. */
  readonly alerts?: () => readonly SplitBrainAlert[];
  /** The address listed for this node in `members` answers. Default: the listen address. */
  readonly advertise?: HostPort;
  /** Operator requests (membership, transfer, snapshot, repair). Default: refused. */
  readonly operations?: NodeOperations;
}

/** Alerts a status report carries. */
const RECENT_ALERTS = 20;

/**
 * Serves client connections of a node process: decodes each request
 * (strictly; a bad one closes that client's connection, counted), runs it on
 * the local actor and answers with the result or a typed wire error
 * (NotLeader with the leader hint, Timeout, ...). The client follows the
 * hints using the `members` map of client addresses.
 */
export class NodeServer {
  private readonly maxInflight: number;

  constructor(private readonly opts: NodeServerOptions) {
    this.maxInflight = opts.maxInflightPerClient ?? 256;
    opts.transport.onClient((client) => this.serve(client));
  }

  /** The status report of this node (also used by the metrics and the node's own logs). */
  async report(): Promise<NodeStatusReport> {
    const t = this.opts.transport;
    const node = this.opts.backend.running ? await this.opts.backend.status().catch(() => null) : null;
    return {
      id: t.nodeId,
      address: formatHostPort(t.address),
      node,
      peers: t.peers(),
      alerts: (this.opts.alerts?.() ?? []).slice(-RECENT_ALERTS),
      net: {
        rejectedConnections: t.metrics.count('rejectedConnections'),
        rejectedFrames: t.metrics.count('rejectedFrames'),
        rejectedProbes: t.metrics.count('rejectedProbes'),
        droppedFrames: t.metrics.count('droppedFrames'),
        clients: t.clientCount,
      },
    };
  }

  async members(): Promise<MembersInfo> {
    const t = this.opts.transport;
    const node = this.opts.backend.running ? await this.opts.backend.status().catch(() => null) : null;
    const members = [{ id: t.nodeId, address: formatHostPort(this.opts.advertise ?? t.address) }];
    for (const id of t.peerIds) members.push({ id, address: formatHostPort(t.peerAddress(id)!) });
    return {
      self: t.nodeId,
      leader: node?.leader ?? null,
      members,
      ...(node ? { voters: [...node.conf.voters], learners: [...node.conf.learners] } : {}),
    };
  }

  private serve(client: ClientConnection): void {
    let inflight = 0;
    client.attach({
      request: (payload) => {
        let req: ClientRequest;
        try {
          req = decodeClientRequest(payload);
        } catch (error) {
          client.reject('malformedFrame', `bad client request: ${(error as Error).message}`);
          return;
        }
        if (inflight >= this.maxInflight) {
          client.respond(
            encodeClientResponse({
              id: req.id,
              ok: false,
              error: toWireError(
                new RuntimeError('OVERLOADED', `more than ${this.maxInflight} requests in flight`),
              ),
            }),
          );
          return;
        }
        inflight++;
        this.run(req).then(
          (value) => {
            inflight--;
            if (client.closed) return;
            let response: Buffer;
            try {
              response = encodeClientResponse({ id: req.id, ok: true, value });
            } catch (error) {
              // An answer msgpack cannot carry (e.g. an app's bigint beyond 64 bits): that request fails.
              const why = `the answer cannot be encoded: ${(error as Error).message}`;
              response = encodeClientResponse({
                id: req.id,
                ok: false,
                error: toWireError(new AppError(why, null)),
              });
            }
            client.respond(response);
          },
          (error: unknown) => {
            inflight--;
            if (!client.closed)
              client.respond(encodeClientResponse({ id: req.id, ok: false, error: toWireError(error) }));
          },
        );
      },
    });
  }

  private run(req: ClientRequest): Promise<unknown> {
    const backend = this.opts.backend;
    switch (req.op) {
      case 'status':
        return this.report();
      case 'members':
        return this.members();
      case 'propose':
        if (!backend.running) return Promise.reject(new NodeStoppedError(backend.id));
        return backend.propose(req.data);
      case 'read':
        if (!backend.running) return Promise.reject(new NodeStoppedError(backend.id));
        return backend.read(req.key, req.consistency);
      case 'query':
        if (!backend.running) return Promise.reject(new NodeStoppedError(backend.id));
        return backend.query(req.query, req.consistency);
    }
    const ops = this.opts.operations;
    if (!ops)
      return Promise.reject(new InvalidRequestError(`node ${backend.id} serves no operator requests`));
    if (!backend.running && req.op !== 'repair') return Promise.reject(new NodeStoppedError(backend.id));
    switch (req.op) {
      case 'confChange':
        return ops.confChange(req.change);
      case 'transferLeader':
        return ops.transferLeader(req.to).then(() => ({ leader: req.to }));
      case 'snapshot':
        return ops.snapshot();
      case 'repair':
        return ops.repair(req.node);
    }
  }
}
