import type { RejectReason } from './errors.js';
import { FrameKind } from './framing/frame.js';
import type { FramedConnection } from './framing/framed-connection.js';
import { encodeReject } from './handshake/messages.js';
import { PING_PAYLOAD_BYTES } from './links/link-context.js';
import type { NetMetrics } from './metrics.js';

export interface ClientConnectionHandlers {
  /** One request frame (opaque here; the node server validates it). */
  request(payload: Buffer): void;
  closed?(): void;
}

/**
 * The server side of an authenticated client connection. Requests and
 * responses are opaque payloads here; `reject` closes only this connection
 * with a counted reason when the request layer finds a frame bad.
 */
export class ClientConnection {
  private handlers: ClientConnectionHandlers | null = null;
  private held: Buffer[] = [];

  constructor(
    readonly clientId: string,
    private readonly conn: FramedConnection,
    private readonly metrics: NetMetrics,
    private readonly onReject: (reason: RejectReason, message: string) => void,
    onClosed: () => void,
  ) {
    conn.attach({
      frame: (frame) => {
        switch (frame.kind) {
          case FrameKind.ClientRequest:
            if (this.handlers) this.handlers.request(frame.payload);
            else this.held.push(frame.payload);
            return;
          case FrameKind.Ping:
            if (frame.payload.length !== PING_PAYLOAD_BYTES) {
              this.reject('malformedFrame', 'bad ping size');
            } else if (conn.send(FrameKind.Pong, frame.payload, false) === 'overflow') {
              this.reject('sendQueueOverflow', 'client does not read');
            }
            return;
          default:
            this.reject('unexpectedFrame', `frame kind ${frame.kind} on a client connection`);
            return;
        }
      },
      framingError: (error) => this.reject(error.reason, error.message),
      closed: () => {
        onClosed();
        this.handlers?.closed?.();
      },
    });
  }

  get remote(): string {
    return this.conn.remote;
  }
  get closed(): boolean {
    return this.conn.closing;
  }

  /** Start receiving requests (requests that arrived before are delivered now). */
  attach(handlers: ClientConnectionHandlers): void {
    this.handlers = handlers;
    const held = this.held;
    this.held = [];
    for (const payload of held) if (!this.conn.closing) handlers.request(payload);
    if (this.conn.closed) handlers.closed?.();
  }

  /** Send one response. A client that stops reading is disconnected rather than buffered without bound. */
  respond(payload: Uint8Array): void {
    if (this.conn.send(FrameKind.ClientResponse, payload, false) === 'overflow') {
      this.reject('sendQueueOverflow', 'client does not read its responses');
    }
  }

  /** A bad request: count it, tell the client why, close only this connection. */
  reject(reason: RejectReason, message: string): void {
    if (this.conn.closing) return;
    this.metrics.rejectFrame(reason);
    this.onReject(reason, message);
    this.conn.send(FrameKind.Reject, encodeReject({ reason, message }), false);
    this.conn.end();
  }

  close(): void {
    this.conn.end();
  }
}
