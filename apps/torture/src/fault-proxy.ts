import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { decodeHello, encodeFrame, FrameDecoder, FrameKind } from '@raftkit/net';
import type { LinkFaults } from './link-faults.js';

/** What the proxies did to node-to-node frames. */
export interface ProxyCounters {
  forwarded: number;
  /** Discarded because the direction was cut. */
  cut: number;
  /** Raft frames discarded by the random drop rate. */
  dropped: number;
  delayed: number;
  connections: number;
}

/** Larger than any frame a node sends (the nodes' own limit is 16 MiB). */
const MAX_FRAME = 64 * 1024 * 1024;

/**
 * A TCP proxy in front of one node (`target`), listening on its own loopback
 * port: the address the other nodes know the target by. It decodes the link framing
 * (`u32 length | u8 kind | payload`) in both directions and applies the fault
 * table per frame: the dialer's HELLO names the node on the other end, so
 * the bytes towards the target are `dialer -> target` and the bytes back are
 * `target -> dialer`. Cutting a direction discards its frames while the other
 * direction keeps flowing (a real one-way cut; a node whose peer stays silent
 * closes the link after its idle timeout and redials, which is what a one-way
 * cut does to TCP). Whole frames are discarded, so the stream never desyncs.
 * Client connections (HELLO role `client`) pass untouched: the harness's
 * clients are outside the faulty network.
 */
export class FaultProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    /** Node id behind the proxy. */
    readonly target: string,
    private readonly targetPort: number,
    private readonly faults: LinkFaults,
    private readonly counters: ProxyCounters,
    private readonly random: () => number,
  ) {}

  /** Listen on an ephemeral loopback port; resolves to it. */
  async listen(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return (server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    if (server) await new Promise((r) => server.close(r));
  }

  private accept(down: Socket): void {
    this.counters.connections++;
    const up = createConnection({ host: '127.0.0.1', port: this.targetPort });
    for (const s of [down, up]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => {});
      s.on('close', () => {
        this.sockets.delete(s);
        down.destroy();
        up.destroy();
      });
    }
    // Until the HELLO is read the direction is unknown; client connections pass untouched.
    const route: { dialer: string | null; client: boolean } = { dialer: null, client: false };
    this.pipe(down, up, route, 'toTarget');
    this.pipe(up, down, route, 'fromTarget');
  }

  private pipe(
    from: Socket,
    to: Socket,
    route: { dialer: string | null; client: boolean },
    direction: 'toTarget' | 'fromTarget',
  ): void {
    const decoder = new FrameDecoder(MAX_FRAME);
    // Delayed frames wait here in order; a frame never overtakes an earlier one.
    let queued = 0;
    let lastDue = 0;
    const write = (frame: Buffer) => {
      if (!to.destroyed && !to.write(frame)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    };
    from.on('data', (chunk: Buffer) => {
      const { frames, error } = decoder.push(chunk);
      for (const frame of frames) {
        if (direction === 'toTarget' && route.dialer === null && frame.kind === FrameKind.Hello) {
          try {
            const hello = decodeHello(frame.payload);
            route.dialer = hello.id;
            route.client = hello.role === 'client';
          } catch {
            // Not a HELLO the node would accept either: forward it and let the node reject it.
          }
        }
        const bytes = encodeFrame(frame.kind as FrameKind, frame.payload);
        const [src, dst] =
          direction === 'toTarget' ? [route.dialer, this.target] : [this.target, route.dialer];
        if (route.client || src === null || dst === null) {
          write(bytes);
          continue;
        }
        const fault = this.faults.get(src, dst);
        if (fault.cut) {
          this.counters.cut++;
          continue;
        }
        if (frame.kind === FrameKind.Raft && fault.dropRate > 0 && this.random() < fault.dropRate) {
          this.counters.dropped++;
          continue;
        }
        this.counters.forwarded++;
        if (fault.delayMs <= 0 && queued === 0) {
          write(bytes);
          continue;
        }
        this.counters.delayed++;
        const now = performance.now();
        const due = Math.max(now + fault.delayMs, lastDue);
        lastDue = due;
        queued++;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          queued--;
          write(bytes);
        }, due - now);
        this.timers.add(timer);
      }
      if (error) {
        from.destroy();
        to.destroy();
      }
    });
  }
}
