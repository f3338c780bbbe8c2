/**
 * The visualizer's HTTP server (node:http only): the static page, the
 * statechart SVG, a Server-Sent Events stream of the hub's events, and the
 * control endpoint `POST /api/control {action, ...}`.
 *
 * SSE protocol: on connect the client gets `event: snapshot` (the whole
 * DemoSnapshot), then `transition`, `status` (per node, coalesced), `alert`,
 * `narration`, `lifecycle`, `faults`, `workload` as they happen. EventSource
 * reconnects by itself; every (re)connection starts with a fresh snapshot.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ControlError, type ControlService } from './control.js';
import type { StateGraph } from './diagram.js';
import type { DemoHub, HubEvent } from './hub.js';
import type { NodeView } from './model.js';

export interface DemoServerOptions {
  readonly hub: DemoHub;
  readonly control: ControlService;
  readonly graph: StateGraph;
  /** The statechart SVG the page inlines. */
  readonly statechartSvg: string;
  readonly host?: string;
  /** Default 7070; 0 picks a free port. */
  readonly port?: number;
  /** When the port is taken, listen on a free one instead of failing. Default true. */
  readonly fallbackToFreePort?: boolean;
  /** Flush interval for coalesced status events. Default 100 ms. */
  readonly statusFlushMs?: number;
  /** Keep-alive comment interval. Default 10 s. */
  readonly heartbeatMs?: number;
}

export interface DemoServer {
  readonly url: string;
  readonly port: number;
  /** Number of connected event streams. */
  clientCount(): number;
  close(): Promise<void>;
}

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/timeline.js': { file: 'timeline.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};
const MAX_BODY_BYTES = 16 * 1024;

export async function startDemoServer(opts: DemoServerOptions): Promise<DemoServer> {
  const host = opts.host ?? '127.0.0.1';
  const streams = new Set<EventStream>();
  const server = createServer((req, res) => {
    route(req, res).catch((err) =>
      sendJson(res, 500, { ok: false, error: { code: 'internal', message: String(err) } }),
    );
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/api/control') {
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
      return handleControl(req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET');
    if (path === '/api/events') {
      streams.add(new EventStream(req, res, opts, streams));
      return;
    }
    if (path === '/api/state') return sendJson(res, 200, opts.hub.snapshot());
    if (path === '/api/graph') return sendJson(res, 200, opts.graph);
    if (path === '/statechart.svg') return send(res, 200, 'image/svg+xml', opts.statechartSvg);
    const file = STATIC_FILES[path];
    if (file) return send(res, 200, file.type, await readFile(PUBLIC_DIR + file.file));
    sendJson(res, 404, { ok: false, error: { code: 'notFound', message: `no such path: ${path}` } });
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const type = req.headers['content-type'] ?? '';
      // JSON only: a cross-site form cannot send it without a CORS preflight we never grant.
      if (!type.startsWith('application/json')) {
        throw new ControlError('badRequest', 'Content-Type must be application/json');
      }
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new ControlError('badRequest', 'the body is not valid JSON');
      }
      sendJson(res, 200, await opts.control.handle(body));
    } catch (err) {
      if (err instanceof ControlError) {
        sendJson(res, err.httpStatus, { ok: false, error: { code: err.code, message: err.message } });
      } else {
        sendJson(res, 500, { ok: false, error: { code: 'internal', message: (err as Error).message } });
      }
    }
  }

  const port = await listen(server, host, opts.port ?? 7070, opts.fallbackToFreePort ?? true);
  return {
    url: `http://${host}:${port}`,
    port,
    clientCount: () => streams.size,
    close: async () => {
      for (const s of [...streams]) s.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function listen(server: Server, host: string, port: number, fallback: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' && fallback && port !== 0) {
        server.listen(0, host);
        return;
      }
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.on('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** One connected EventSource. */
class EventStream {
  private readonly pendingStatus = new Map<string, NodeView>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private ended = false;

  constructor(
    req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly opts: DemoServerOptions,
    private readonly registry: Set<EventStream>,
  ) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    this.write('snapshot', opts.hub.snapshot());
    this.unsubscribe = opts.hub.on((ev) => this.onHubEvent(ev));
    this.heartbeat = setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs ?? 10_000);
    req.on('close', () => this.end());
  }

  private onHubEvent(ev: HubEvent): void {
    if (ev.type !== 'status') {
      this.write(ev.type, ev.data);
      return;
    }
    this.pendingStatus.set(ev.data.id, ev.data);
    this.flushTimer ??= setTimeout(() => this.flushStatus(), this.opts.statusFlushMs ?? 100);
  }

  private flushStatus(): void {
    this.flushTimer = null;
    for (const view of this.pendingStatus.values()) this.write('status', view);
    this.pendingStatus.clear();
  }

  private write(event: string, data: unknown): void {
    if (this.ended) return;
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe();
    clearInterval(this.heartbeat);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.registry.delete(this);
    this.res.end();
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c); // past the limit: drain, then refuse
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES)
        reject(new ControlError('badRequest', `the body exceeds ${MAX_BODY_BYTES} bytes`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  sendJson(res, 405, { ok: false, error: { code: 'methodNotAllowed', message: `use ${allow}` } });
}
