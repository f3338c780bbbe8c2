import { Backoff } from '@raftkit/runtime';
import { formatHostPort, type HostPort } from '../address.js';
import { ConnectionRejectedError, type RejectReason } from '../errors.js';
import { FrameKind, HANDSHAKE_MAX_FRAME_BYTES } from '../framing/frame.js';
import { FramedConnection } from '../framing/framed-connection.js';
import { dialHandshake, type HandshakeResult } from '../handshake/handshake.js';
import { decodeReject, encodeReject } from '../handshake/messages.js';
import { PeerHealth } from '../liveness/peer-health.js';
import type { PeerStatus } from '../peer-status.js';

import { type LinkContext, PING_PAYLOAD_BYTES } from './link-context.js';
import { openSocket } from './open-socket.js';
import { PingPacer } from './ping-pacer.js';

/**
 * The one link to one peer. If the tie-break says we dial (`dials`), it keeps
 * a connection up: dial, handshake, and after any failure or close redial
 * with capped exponential backoff and jitter. Otherwise it waits for the
 * peer's connection, handed over by the listener. A newer authenticated
 * connection replaces an older one (the peer restarted; the old socket may be
 * half-open).
 *
 * While established it pings every pingIntervalMs (TCP RTT, and traffic for
 * the idle check) and closes the connection if nothing arrived for
 * idleTimeoutMs, which finds half-open connections long before TCP would.
 * While Raft frames arrive, fewer pings go out (PingPacer).
 */
export class PeerLink {
  readonly health: PeerHealth;
  private conn: FramedConnection | null = null;
  private dialing: FramedConnection | null = null;
  private readonly backoff: Backoff;
  private redialTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private lastReceived = 0;
  private pacer = new PingPacer();
  private droppedSeen = 0;
  private droppedTotal = 0;
  private stopped = false;

  constructor(
    readonly id: string,
    readonly address: HostPort,
    readonly dials: boolean,
    private readonly ctx: LinkContext,
  ) {
    this.health = new PeerHealth({ ...ctx.health, udp: ctx.health.udp ?? ctx.udpPort !== undefined });
    this.backoff = new Backoff(ctx.backoff);
  }

  get connected(): boolean {
    return this.conn !== null;
  }

  start(): void {
    if (this.dials) this.scheduleDial(0);
  }

  /** Queue a Raft frame; false when it could not be queued (no link). Old frames may be dropped to make room. */
  sendRaft(frame: Uint8Array): boolean {
    const conn = this.conn;
    if (!conn) {
      this.droppedTotal++;
      this.ctx.metrics.dropFrames(this.id, 'noLink');
      return false;
    }
    const result = conn.send(FrameKind.Raft, frame, true);
    this.accountDrops(conn);
    if (result !== 'queued') return false;
    this.ctx.metrics.raftFrameSent(this.id);
    return true;
  }

  /** Take over an authenticated connection (from our dialer or the listener). */
  install(conn: FramedConnection, result: HandshakeResult): void {
    if (this.stopped) {
      conn.end();
      return;
    }
    const previous = this.conn;
    if (previous) {
      this.detachCurrent('replaced');
      previous.end();
    }
    this.conn = conn;
    this.droppedSeen = 0;
    conn.setMaxFrameBytes(this.ctx.maxFrameBytes);
    const now = this.ctx.clock();
    this.lastReceived = now;
    this.health.tcpUp(now);
    if (result.udpPort !== undefined) this.ctx.peerUdpPort(this.id, result.udpPort);
    this.ctx.log('info', 'link up', { peer: this.id, remote: conn.remote, dialed: this.dials });
    this.ctx.linkChanged(this.id, true);
    this.pacer = new PingPacer();
    this.pingTimer = setInterval(() => this.pingOrExpire(conn), this.ctx.pingIntervalMs);
    this.pingTimer.unref();
    // Frames that arrived right behind the handshake are delivered now; they may close the link.
    conn.attach({
      frame: (frame) => this.onFrame(conn, frame.kind, frame.payload),
      framingError: (error) => this.rejectFrame(conn, error.reason, error.message),
      closed: () => this.onClosed(conn),
    });
  }

  status(now: number): PeerStatus {
    const view = this.health.evaluate(now);
    return {
      id: this.id,
      address: formatHostPort(this.address),
      connected: this.conn !== null,
      health: view.health,
      tcp: view.tcp,
      udp: view.udp,
      probes: null,
      droppedFrames: this.droppedTotal,
      queuedFrames: this.conn?.queuedFrames ?? 0,
      queuedBytes: this.conn?.queuedBytes ?? 0,
    };
  }

  /** Test hook and shutdown: drop the current connection (a dialing link redials). */
  disconnect(reason: string): void {
    const conn = this.conn;
    if (!conn) return;
    this.detachCurrent(reason);
    conn.destroy();
    this.afterLoss();
  }

  stop(): void {
    this.stopped = true;
    if (this.redialTimer) clearTimeout(this.redialTimer);
    this.redialTimer = null;
    this.dialing?.destroy();
    const conn = this.conn;
    if (conn) {
      this.detachCurrent('shutdown');
      conn.end();
    }
  }

  private onFrame(conn: FramedConnection, kind: number, payload: Buffer): void {
    const now = this.ctx.clock();
    this.lastReceived = now;
    const problem = this.handleFrame(conn, kind, payload, now);
    if (problem) this.rejectFrame(conn, problem[0], problem[1]);
  }

  /** Handle one frame; returns why it is bad, or null. */
  private handleFrame(
    conn: FramedConnection,
    kind: number,
    payload: Buffer,
    now: number,
  ): [RejectReason, string] | null {
    switch (kind) {
      case FrameKind.Raft: {
        this.health.tcpContact(now);
        this.pacer.raftFrame();
        if (this.ctx.validateRaftFrame) {
          try {
            this.ctx.validateRaftFrame(this.id, payload);
          } catch (error) {
            return ['malformedFrame', `invalid Raft frame: ${(error as Error).message}`];
          }
        }
        this.ctx.metrics.raftFrameReceived(this.id);
        // A private copy: the payload is a view into the socket's chunk.
        this.ctx.deliverRaft(this.id, new Uint8Array(payload));
        return null;
      }
      case FrameKind.Ping:
        if (payload.length !== PING_PAYLOAD_BYTES) return ['malformedFrame', 'bad ping size'];
        this.health.tcpContact(now);
        if (conn.send(FrameKind.Pong, payload, false) === 'overflow')
          return ['sendQueueOverflow', 'peer does not read'];
        return null;
      case FrameKind.Pong: {
        if (payload.length !== PING_PAYLOAD_BYTES) return ['malformedFrame', 'bad pong size'];
        const rtt = now - payload.readDoubleBE(0);
        if (!(rtt >= 0 && rtt < 600_000)) return ['malformedFrame', 'pong echoes no ping of ours'];
        this.health.tcpContact(now, rtt);
        return null;
      }
      case FrameKind.Reject:
        this.peerRejected(conn, payload);
        return null;
      default:
        return ['unexpectedFrame', `frame kind ${kind} on a node link`];
    }
  }

  /**
   * The peer closed the link with a reason (e.g. `oversizedFrame`: we sent a
   * frame above its limit): log and count it as what it is, close our side
   * without answering (a REJECT is the last word), redial.
   */
  private peerRejected(conn: FramedConnection, payload: Buffer): void {
    let reason: RejectReason | 'unreadable' = 'unreadable';
    let message = '';
    try {
      ({ reason, message } = decodeReject(payload));
    } catch (error) {
      message = (error as Error).message;
    }
    this.ctx.logAbuse('warn', 'peer rejected our link', { peer: this.id, reason, message });
    this.detachCurrent(`rejectedByPeer:${reason}`);
    conn.end();
    this.afterLoss();
  }

  private pingOrExpire(conn: FramedConnection): void {
    if (conn !== this.conn) return; // its timer is cleared with it; a late tick does nothing
    const now = this.ctx.clock();
    if (now - this.lastReceived > this.ctx.idleTimeoutMs) {
      this.ctx.log('warn', 'link idle, closing', {
        peer: this.id,
        idleMs: Math.round(now - this.lastReceived),
      });
      this.detachCurrent('idleTimeout');
      conn.destroy();
      this.afterLoss();
      return;
    }
    if (!this.pacer.tick()) return;
    const payload = Buffer.allocUnsafe(PING_PAYLOAD_BYTES);
    payload.writeDoubleBE(now, 0);
    if (conn.send(FrameKind.Ping, payload, false) === 'overflow') {
      this.rejectFrame(conn, 'sendQueueOverflow', 'peer does not read');
    }
  }

  /** A bad frame on an established link: count, log, tell the peer, close only this connection. */
  private rejectFrame(conn: FramedConnection, reason: RejectReason, message: string): void {
    if (conn !== this.conn) return;
    this.ctx.metrics.rejectFrame(reason);
    this.ctx.logAbuse('warn', 'frame rejected, closing link', { peer: this.id, reason, message });
    this.detachCurrent(reason);
    conn.send(FrameKind.Reject, encodeReject({ reason, message }), false);
    conn.end();
    this.afterLoss();
  }

  private onClosed(conn: FramedConnection): void {
    if (conn !== this.conn) return;
    this.detachCurrent('closed');
    this.afterLoss();
  }

  /** Forget the current connection (it is closed or being closed by the caller). */
  private detachCurrent(reason: string): void {
    const conn = this.conn;
    if (!conn) return;
    this.accountDrops(conn);
    this.conn = null;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.health.tcpDown();
    this.ctx.metrics.linkClosed(this.id, reason);
    this.ctx.log('info', 'link down', { peer: this.id, reason });
    this.ctx.linkChanged(this.id, false);
  }

  private afterLoss(): void {
    if (this.dials && !this.stopped && !this.conn && !this.dialing && !this.redialTimer) {
      this.scheduleDial(this.backoff.next());
    }
  }

  private accountDrops(conn: FramedConnection): void {
    const delta = conn.droppedFrames - this.droppedSeen;
    if (delta > 0) {
      this.droppedSeen = conn.droppedFrames;
      this.droppedTotal += delta;
      this.ctx.metrics.dropFrames(this.id, 'queueFull', delta);
    }
  }

  private scheduleDial(delayMs: number): void {
    this.redialTimer = setTimeout(() => {
      this.redialTimer = null;
      void this.dialOnce();
    }, delayMs);
  }

  private async dialOnce(): Promise<void> {
    if (this.stopped || this.conn) return;
    let conn: FramedConnection | null = null;
    try {
      const socket = await openSocket(this.address, {
        tls: this.ctx.tls,
        timeoutMs: this.ctx.connectTimeoutMs,
        keepAliveMs: this.ctx.keepAliveMs,
      });
      if (this.stopped) {
        socket.destroy();
        return;
      }
      conn = new FramedConnection(
        socket,
        { maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES, queue: this.ctx.queue },
        { frame() {}, framingError() {}, closed() {} },
      );
      this.dialing = conn;
      const result = await dialHandshake(conn, {
        role: 'node',
        selfId: this.ctx.selfId,
        expectedPeerId: this.id,
        secret: this.ctx.secret,
        clusterId: this.ctx.clusterId,
        timeoutMs: this.ctx.handshakeTimeoutMs,
        udpPort: this.ctx.udpPort,
      });
      this.dialing = null;
      this.backoff.reset();
      this.ctx.metrics.connectionEstablished('node');
      this.install(conn, result);
    } catch (error) {
      this.dialing = null;
      conn?.destroy();
      if (this.stopped) return;
      if (error instanceof ConnectionRejectedError) {
        if (!error.byPeer) this.ctx.metrics.rejectConnection(error.reason);
        this.ctx.logAbuse('warn', error.byPeer ? 'peer refused our link' : 'link handshake failed', {
          peer: this.id,
          reason: error.reason,
          message: error.message,
        });
      } else {
        this.ctx.log('debug', 'dial failed', { peer: this.id, error: (error as Error).message });
      }
      if (!this.conn) this.scheduleDial(this.backoff.next());
    }
  }
}
