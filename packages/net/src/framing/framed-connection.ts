import type { Socket } from 'node:net';
import { FrameError } from '../errors.js';
import { encodeFrame, type Frame, type FrameKind } from './frame.js';
import { FrameDecoder } from './frame-decoder.js';
import { BoundedSendQueue, type SendQueueLimits } from './send-queue.js';

export interface FramedConnectionOptions {
  /** Largest frame accepted from the peer (can be raised after the handshake). */
  readonly maxFrameBytes: number;
  readonly queue?: SendQueueLimits;
  /** How long a closing connection may take to flush before it is destroyed. Default 1000 ms. */
  readonly lingerMs?: number;
}

export interface FramedConnectionHandlers {
  /** A complete frame arrived. */
  frame(frame: Frame): void;
  /** The byte stream violated the framing rules; the connection is already being destroyed. */
  framingError(error: FrameError): void;
  /** The socket is gone (called exactly once). */
  closed(): void;
}

export type SendResult = 'queued' | 'overflow' | 'closed';

/**
 * A socket that speaks frames: a streaming decoder on the way in, a bounded
 * send queue with backpressure on the way out. Frames queued in the same tick
 * are written in one corked batch; nothing more is handed to the socket while
 * it reports backpressure, so the queue (not the socket) is where old Raft
 * frames get dropped.
 */
export class FramedConnection {
  private readonly decoder: FrameDecoder;
  private readonly queue: BoundedSendQueue;
  private handlers: FramedConnectionHandlers | null;
  /**
   * Whether the socket closed while no owner was attached (see detach()).
   * Bytes that arrived meanwhile stay undecoded in the decoder: the next
   * owner may change the frame limit before they are read.
   */
  private closedWhileDetached = false;
  private blocked = false;
  private flushScheduled = false;
  private ending = false;
  private isClosed = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  private readonly lingerMs: number;
  framesIn = 0;
  framesOut = 0;
  bytesIn = 0;
  bytesOut = 0;

  constructor(
    readonly socket: Socket,
    options: FramedConnectionOptions,
    handlers: FramedConnectionHandlers,
  ) {
    this.handlers = handlers;
    this.decoder = new FrameDecoder(options.maxFrameBytes);
    this.queue = new BoundedSendQueue(options.queue);
    this.lingerMs = options.lingerMs ?? 1000;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
    // Errors always end in 'close'; the listener only keeps them from being thrown.
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
    socket.on('end', () => {
      // The peer half-closed: we will not get more frames; finish our side too.
      this.end();
    });
  }

  /**
   * Hand the connection to a new owner (e.g. from the handshake to the link).
   * Takes effect for the very next frame, even within the same socket chunk.
   */
  attach(handlers: FramedConnectionHandlers): void {
    this.handlers = handlers;
    const closed = this.closedWhileDetached;
    this.closedWhileDetached = false;
    this.deliver(closed);
    if (closed) {
      if (this.handlers === handlers) handlers.closed();
    } else if (!this.ending && this.handlers === handlers) this.socket.resume();
  }

  /**
   * Stop delivering: frames, errors and the close are held (and reading is
   * paused) until the next attach(). Used between the end of the handshake
   * and the moment the new owner takes over, which may be a few ticks later.
   */
  detach(): void {
    this.handlers = null;
    this.socket.pause();
  }

  get closed(): boolean {
    return this.isClosed;
  }
  get closing(): boolean {
    return this.ending || this.isClosed;
  }
  /** Raft frames dropped from the send queue to make room. */
  get droppedFrames(): number {
    return this.queue.dropped;
  }
  get queuedFrames(): number {
    return this.queue.length;
  }
  get queuedBytes(): number {
    return this.queue.bytes;
  }
  get remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  setMaxFrameBytes(max: number): void {
    this.decoder.setMaxFrameBytes(max);
  }

  /**
   * Queue a frame. Droppable frames may be discarded later to make room for
   * newer ones; 'overflow' means a non-droppable frame did not fit.
   */
  send(kind: FrameKind, payload: Uint8Array | undefined, droppable: boolean): SendResult {
    if (this.ending || this.isClosed) return 'closed';
    const { result } = this.queue.push(encodeFrame(kind, payload), droppable);
    if (result === 'overflow') return 'overflow';
    this.scheduleFlush();
    return 'queued';
  }

  /** Flush what is queued, then close our side; destroy if the peer does not let us finish in time. */
  end(): void {
    if (this.ending || this.isClosed) return;
    this.ending = true;
    this.lingerTimer = setTimeout(() => this.destroy(), this.lingerMs);
    this.lingerTimer.unref();
    this.flush();
  }

  /** Close immediately, discarding anything queued. */
  destroy(): void {
    this.ending = true;
    this.queue.clear();
    this.socket.destroy();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.isClosed) return;
    if (!this.blocked && this.queue.length > 0 && !this.socket.destroyed) {
      this.socket.cork();
      for (;;) {
        const bytes = this.queue.shift();
        if (!bytes) break;
        this.framesOut++;
        this.bytesOut += bytes.length;
        if (!this.socket.write(bytes)) {
          this.blocked = true;
          break;
        }
      }
      this.socket.uncork();
    }
    if (this.ending && this.queue.length === 0 && !this.socket.destroyed) this.socket.end();
  }

  private onData(chunk: Buffer): void {
    if (this.isClosed || this.ending) return;
    this.bytesIn += chunk.length;
    this.decoder.feed(chunk);
    this.deliver(false);
  }

  /**
   * Decode and hand over frames one at a time while an owner is attached: a
   * handler may detach (end of a handshake), change the limit or close the
   * connection between two frames of one chunk, and the rest waits for that.
   * `afterClose`: the socket is already gone, deliver what had arrived.
   */
  private deliver(afterClose: boolean): void {
    for (;;) {
      const handlers = this.handlers;
      if (!handlers || this.ending || (this.isClosed && !afterClose)) return;
      const next = this.decoder.next();
      if (next === null) return;
      if (next instanceof FrameError) {
        this.socket.pause();
        handlers.framingError(next);
        return;
      }
      this.framesIn++;
      handlers.frame(next);
    }
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.queue.clear();
    if (this.handlers) this.handlers.closed();
    else this.closedWhileDetached = true;
  }
}
