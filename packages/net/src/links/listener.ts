import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { HostPort } from '../address.js';
import { ConnectionRejectedError } from '../errors.js';
import { FrameKind, HANDSHAKE_MAX_FRAME_BYTES } from '../framing/frame.js';
import { FramedConnection } from '../framing/framed-connection.js';
import { acceptHandshake, type HandshakeResult } from '../handshake/handshake.js';
import { encodeReject } from '../handshake/messages.js';
import { tlsServerOptions } from '../tls-options.js';
import type { LinkContext } from './link-context.js';
import { tuneSocket } from './open-socket.js';

export interface ListenerOptions {
  readonly address: HostPort;
  /** Connections allowed in their handshake at once; more are refused at once. Default 256. */
  readonly maxPendingHandshakes?: number;
  isKnownNode(id: string): boolean;
  weDial(id: string): boolean;
  /** An authenticated connection (node or client); the callee attaches to it. */
  authenticated(conn: FramedConnection, result: HandshakeResult): void;
}

/**
 * Accepts TCP (or TLS) connections on the node's listen address and runs the
 * acceptor handshake on each, under a deadline and a small frame limit. A
 * connection that fails is closed alone, with its reason counted and logged
 * (rate-limited: a remote party decides how often this happens).
 */
export class Listener {
  private server: Server | null = null;
  private readonly pending = new Set<FramedConnection>();
  private readonly maxPending: number;

  constructor(
    private readonly ctx: LinkContext,
    private readonly opts: ListenerOptions,
  ) {
    this.maxPending = opts.maxPendingHandshakes ?? 256;
  }

  async start(): Promise<HostPort> {
    const server = this.ctx.tls
      ? createTlsServer(tlsServerOptions(this.ctx.tls, this.ctx.handshakeTimeoutMs), (socket) =>
          this.accept(socket),
        )
      : createTcpServer((socket) => this.accept(socket));
    if (this.ctx.tls) {
      server.on('tlsClientError', (error: Error, socket: Socket) => {
        this.ctx.metrics.rejectConnection('tlsError');
        this.ctx.logAbuse('warn', 'connection rejected', {
          reason: 'tlsError',
          remote: `${socket.remoteAddress}:${socket.remotePort}`,
          message: error.message,
        });
        socket.destroy();
      });
    }
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.address.port, this.opts.address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.ctx.log('error', 'listener error', { error: error.message }));
    const bound = server.address();
    if (bound === null || typeof bound === 'string') throw new Error('listener has no TCP address');
    return { host: this.opts.address.host, port: bound.port };
  }

  get pendingHandshakes(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    for (const conn of this.pending) conn.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    tuneSocket(socket, this.ctx.keepAliveMs);
    const conn = new FramedConnection(
      socket,
      { maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES, queue: this.ctx.queue },
      { frame() {}, framingError() {}, closed() {} },
    );
    if (this.pending.size >= this.maxPending) {
      this.refused(
        conn,
        new ConnectionRejectedError('tooManyPending', 'too many connections in their handshake'),
      );
      conn.send(
        FrameKind.Reject,
        encodeReject({ reason: 'tooManyPending', message: 'try again later' }),
        false,
      );
      conn.end();
      return;
    }
    this.pending.add(conn);
    acceptHandshake(conn, {
      secret: this.ctx.secret,
      clusterId: this.ctx.clusterId,
      selfId: this.ctx.selfId,
      udpPort: this.ctx.udpPort,
      timeoutMs: this.ctx.handshakeTimeoutMs,
      isKnownNode: this.opts.isKnownNode,
      weDial: this.opts.weDial,
    }).then(
      (result) => {
        this.pending.delete(conn);
        if (!this.server) {
          conn.destroy();
          return;
        }
        this.ctx.metrics.connectionEstablished(result.role);
        this.opts.authenticated(conn, result);
      },
      (error: unknown) => {
        this.pending.delete(conn);
        if (!this.server) return; // shutting down: not the peer's fault
        this.refused(
          conn,
          error instanceof ConnectionRejectedError
            ? error
            : new ConnectionRejectedError('malformedFrame', String(error)),
        );
      },
    );
  }

  private refused(conn: FramedConnection, error: ConnectionRejectedError): void {
    // A dialer's own REJECT (e.g. our proof did not verify with its secret: 'badAuth') is
    // counted under the reason it gives; the reasons are a closed set, validated on decode.
    this.ctx.metrics.rejectConnection(error.reason);
    this.ctx.logAbuse('warn', 'connection rejected', {
      reason: error.reason,
      byPeer: error.byPeer,
      remote: conn.remote,
      message: error.message,
    });
  }
}
