import { NetConfigError } from './errors.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parse `host:port` or `[v6]:port`. Port 0 is allowed only when `allowZero` (listen on any free port). */
export function parseHostPort(text: string, allowZero = false): HostPort {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text.trim()) ?? /^([^:[\]]+):(\d+)$/.exec(text.trim());
  if (!m) throw new NetConfigError(`bad address "${text}" (expected host:port)`);
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port > 65535 || port < (allowZero ? 0 : 1)) {
    throw new NetConfigError(`bad port in "${text}"`);
  }
  return { host: m[1], port };
}

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Parse `n2=127.0.0.1:7002,n3=127.0.0.1:7003` (an empty string is no peers). */
export function parsePeers(text: string): Map<string, HostPort> {
  const peers = new Map<string, HostPort>();
  for (const item of text.split(',').map((s) => s.trim())) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new NetConfigError(`bad peer "${item}" (expected id=host:port)`);
    const id = item.slice(0, eq);
    if (peers.has(id)) throw new NetConfigError(`peer ${id} listed twice`);
    peers.set(id, parseHostPort(item.slice(eq + 1)));
  }
  return peers;
}

/** Parse a comma-separated list of `host:port`. */
export function parseAddressList(text: string): HostPort[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseHostPort(s));
  if (list.length === 0) throw new NetConfigError('no addresses given');
  return list;
}
