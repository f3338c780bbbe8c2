import { connect, type Socket } from 'node:net';
import {
  freePorts,
  type HostPort,
  type LogFields,
  type LogLevel,
  type NetLogger,
  TcpTransport,
  type TcpTransportOptions,
} from '../../src/index.js';

export { freePorts };

export const SECRET = 'test-secret-0123456789abcdef';

export interface LogLine {
  level: LogLevel;
  message: string;
  fields?: LogFields;
}

export function capturingLogger(): NetLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    log(level, message, fields) {
      lines.push({ level, message, fields });
    },
  };
}

/** Fast timings for tests: links notice trouble within a few hundred ms. */
export const FAST: Partial<TcpTransportOptions> = {
  pingIntervalMs: 50,
  idleTimeoutMs: 1500,
  handshakeTimeoutMs: 1000,
  reconnect: { initialMs: 20, maxMs: 200 },
  health: { suspectAfterMs: 300, downAfterMs: 800 },
  udp: { port: 0, intervalMs: 50 },
};

/**
 * Start transports for `ids` on fixed free ports, all knowing each other.
 * `overrides[id]` tweaks one node's options.
 */
export async function startTransports(
  ids: string[],
  overrides: Record<string, Partial<TcpTransportOptions>> = {},
): Promise<{ transports: Map<string, TcpTransport>; addresses: Map<string, HostPort> }> {
  const ports = await freePorts(ids.length);
  const addresses = new Map(ids.map((id, i) => [id, { host: '127.0.0.1', port: ports[i] }]));
  const transports = new Map<string, TcpTransport>();
  for (const id of ids) {
    transports.set(id, makeTransport(id, addresses, overrides[id]));
  }
  await Promise.all([...transports.values()].map((t) => t.start()));
  return { transports, addresses };
}

export function makeTransport(
  id: string,
  addresses: Map<string, HostPort>,
  override: Partial<TcpTransportOptions> = {},
): TcpTransport {
  return new TcpTransport({
    ...FAST,
    nodeId: id,
    clusterId: 'test',
    secret: SECRET,
    listen: addresses.get(id)!,
    peers: new Map([...addresses].filter(([peer]) => peer !== id)),
    ...override,
  });
}

/** A raw TCP socket to `port`, with everything it receives collected and its close awaited. */
export function rawSocket(port: number): Promise<{
  socket: Socket;
  received: () => Buffer;
  closed: Promise<void>;
}> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => Buffer.concat(chunks), closed }));
    socket.once('error', reject);
  });
}
