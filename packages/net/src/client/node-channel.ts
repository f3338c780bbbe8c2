import { randomUUID } from 'node:crypto';
import { fromWireError, NodeStoppedError, TimeoutError, TooLargeError } from '@raftkit/runtime';
import { formatHostPort, type HostPort } from '../address.js';
import { ConnectionRejectedError } from '../errors.js';
import { DEFAULT_MAX_FRAME_BYTES, FrameKind, HANDSHAKE_MAX_FRAME_BYTES } from '../framing/frame.js';
import { FramedConnection } from '../framing/framed-connection.js';
import { dialHandshake } from '../handshake/handshake.js';
import { decodeReject } from '../handshake/messages.js';
import type { ClusterSecret } from '../handshake/secret.js';
import { openSocket } from '../links/open-socket.js';
import type { TlsOptions } from '../tls-options.js';
import { type ClientRequest, decodeClientResponse, encodeClientRequest } from './protocol.js';

export interface NodeChannelOptions {
  readonly address: HostPort;
  readonly secret: ClusterSecret;
  readonly clusterId: string;
  readonly tls?: TlsOptions;
  readonly clientId?: string;
  /** Node id we expect at this address, when known. */
  readonly expectedId?: string;
  readonly connectTimeoutMs?: number;
  readonly maxFrameBytes?: number;
}

/** Distribute the request's fields over ClientRequest minus its id. */
export type RequestBody = ClientRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/**
 * One authenticated client connection to one node, opened lazily and
 * reopened after a failure. Requests are multiplexed by id. Anything that
 * prevents an answer (refused, closed, rejected) fails the request with
 * NodeStoppedError: the node cannot be reached, try another.
 */
export class NodeChannel {
  private conn: FramedConnection | null = null;
  private connecting: Promise<FramedConnection> | null = null;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private closed = false;
  /** The node id learned in the handshake. */
  nodeId: string | undefined;
  readonly clientId: string;

  constructor(private readonly opts: NodeChannelOptions) {
    this.nodeId = opts.expectedId;
    this.clientId = opts.clientId ?? `client-${randomUUID()}`;
  }

  get address(): HostPort {
    return this.opts.address;
  }

  /**
   * Send one request. `timeoutMs` bounds the wait for the answer (a stopped
   * or partitioned node never answers): TimeoutError, outcome unknown.
   */
  async request(body: RequestBody, timeoutMs = 10_000): Promise<unknown> {
    const id = this.nextId++;
    const payload = encodeClientRequest({ ...body, id } as ClientRequest);
    // A frame above the limit would only get the connection closed (oversizedFrame) and be retried
    // until the deadline: refuse it at once, it can never fit.
    const limit = this.opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (payload.length + 1 > limit) throw new TooLargeError(payload.length + 1, limit);
    const conn = await this.connect();
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        reject(
          new TimeoutError(
            `node ${this.nodeId ?? formatHostPort(this.opts.address)} did not answer within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const sent = conn.send(FrameKind.ClientRequest, payload, false);
      if (sent !== 'queued') {
        this.pending.delete(id);
        reject(this.unreachable(`cannot send (${sent})`));
      }
    });
  }

  close(): void {
    this.closed = true;
    this.conn?.end();
    this.failAll('client closed');
  }

  private connect(): Promise<FramedConnection> {
    if (this.closed) return Promise.reject(this.unreachable('client closed'));
    if (this.conn && !this.conn.closing) return Promise.resolve(this.conn);
    if (!this.connecting) {
      this.connecting = this.open().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  private async open(): Promise<FramedConnection> {
    let socket: Awaited<ReturnType<typeof openSocket>>;
    try {
      socket = await openSocket(this.opts.address, {
        tls: this.opts.tls,
        timeoutMs: this.opts.connectTimeoutMs ?? 2000,
        keepAliveMs: 1000,
      });
    } catch (error) {
      throw this.unreachable((error as Error).message);
    }
    const conn = new FramedConnection(
      socket,
      { maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES },
      { frame() {}, framingError() {}, closed() {} },
    );
    try {
      const result = await dialHandshake(conn, {
        role: 'client',
        selfId: this.clientId,
        secret: this.opts.secret,
        clusterId: this.opts.clusterId,
        timeoutMs: this.opts.connectTimeoutMs ?? 2000,
        expectedPeerId: this.nodeId,
      });
      this.nodeId = result.peerId;
    } catch (error) {
      conn.destroy();
      // Authentication problems are not "try another node" problems: say exactly what is wrong.
      if (error instanceof ConnectionRejectedError && isConfigProblem(error)) throw error;
      // A node with too many connections in their handshake runs: it is busy, not down.
      if (error instanceof ConnectionRejectedError && error.reason === 'tooManyPending') {
        throw new NodeBusyError(this.nodeId ?? formatHostPort(this.opts.address));
      }
      throw this.unreachable((error as Error).message);
    }
    if (this.closed) {
      conn.destroy();
      throw this.unreachable('client closed');
    }
    conn.setMaxFrameBytes(this.opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    conn.attach({
      frame: (frame) => {
        if (frame.kind === FrameKind.ClientResponse) {
          let res: ReturnType<typeof decodeClientResponse>;
          try {
            res = decodeClientResponse(frame.payload);
          } catch {
            conn.destroy();
            return;
          }
          const p = this.pending.get(res.id);
          if (!p) return;
          this.pending.delete(res.id);
          if (res.ok) p.resolve(res.value);
          else p.reject(fromWireError(res.error));
        } else if (frame.kind === FrameKind.Reject) {
          let why = 'rejected';
          try {
            const r = decodeReject(frame.payload);
            why = `rejected by the node: ${r.reason}: ${r.message}`;
          } catch {}
          this.failAll(why);
        }
      },
      framingError: () => conn.destroy(),
      closed: () => {
        if (this.conn === conn) this.conn = null;
        this.failAll('connection closed');
      },
    });
    this.conn = conn;
    return conn;
  }

  private failAll(why: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(this.unreachable(why));
  }

  private unreachable(why: string): NodeStoppedError {
    const err = new NodeStoppedError(this.nodeId ?? `${this.opts.address.host}:${this.opts.address.port}`);
    (err as { message: string }).message = `${err.message} (${why})`;
    return err;
  }
}

/**
 * The node refused the connection because too many others are still in their
 * handshake: it runs but is busy, try again (the client retries it as it
 * retries an unreachable node, with backoff, on another node first).
 */
export class NodeBusyError extends NodeStoppedError {
  constructor(nodeId: string) {
    super(nodeId);
    Object.assign(this, {
      code: 'NODE_BUSY',
      message: `node ${nodeId} is busy (too many connections in their handshake): try again`,
    });
  }
}

function isConfigProblem(error: ConnectionRejectedError): boolean {
  return (
    error.reason === 'badAuth' ||
    error.reason === 'wrongCluster' ||
    error.reason === 'versionMismatch' ||
    error.reason === 'tlsError'
  );
}
