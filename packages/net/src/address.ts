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

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/**
 * Whether two addresses may reach the same listener on this machine: the
 * same port, and the same host, or a wildcard listen host, or two loopback
 * names. (Different names for one remote machine cannot be told apart here.)
 */
export function mayBeSameEndpoint(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.port === 0) return false;
  const x = a.host.toLowerCase();
  const y = b.host.toLowerCase();
  return x === y || WILDCARD_HOSTS.has(x) || WILDCARD_HOSTS.has(y) || (isLoopback(x) && isLoopback(y));
}

/**
 * A peer list a node can run with: not its own id, not its own address (it
 * would dial itself and loop on wrongPeer), no address twice (two ids at one
 * listener: one of them is unreachable).
 */
export function checkPeerList(selfId: string, listen: HostPort, peers: ReadonlyMap<string, HostPort>): void {
  if (peers.has(selfId)) throw new NetConfigError(`--peers must not list the node itself (${selfId})`);
  const seen: [string, HostPort][] = [];
  for (const [id, address] of peers) {
    if (mayBeSameEndpoint(address, listen)) {
      throw new NetConfigError(
        `--peers: peer ${id} at ${formatHostPort(address)} is this node's own listen address (${formatHostPort(listen)})`,
      );
    }
    const twin = seen.find(([, other]) => mayBeSameEndpoint(other, address));
    if (twin) {
      throw new NetConfigError(
        `--peers: peers ${twin[0]} and ${id} have the same address ${formatHostPort(address)}`,
      );
    }
    seen.push([id, address]);
  }
}
