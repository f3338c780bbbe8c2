import { FaultProxy, type ProxyCounters } from './fault-proxy.js';
import type { LinkFaults } from './link-faults.js';

/**
 * The proxied network: one FaultProxy per directed pair (from -> to), which
 * `from` uses as `to`'s address. Nodes link once per pair (the lower id
 * dials), so the pair's traffic crosses the dialer's proxy in both
 * directions; the proxy for the other direction stays idle unless the
 * dialing rule changes, and applies the same table if it is used.
 */
export class ProxiedNetwork {
  readonly counters: ProxyCounters = { forwarded: 0, cut: 0, dropped: 0, delayed: 0, connections: 0 };
  private readonly proxies = new Map<string, { proxy: FaultProxy; port: number }>();

  private constructor(readonly faults: LinkFaults) {}

  static async start(
    nodes: ReadonlyMap<string, number>,
    faults: LinkFaults,
    random: () => number,
  ): Promise<ProxiedNetwork> {
    const net = new ProxiedNetwork(faults);
    for (const from of nodes.keys()) {
      for (const [to, port] of nodes) {
        if (from === to) continue;
        const proxy = new FaultProxy(to, port, faults, net.counters, random);
        net.proxies.set(`${from}->${to}`, { proxy, port: await proxy.listen() });
      }
    }
    return net;
  }

  /** The address `from` is given for peer `to`. */
  address(from: string, to: string): string {
    const p = this.proxies.get(`${from}->${to}`);
    if (!p) throw new Error(`no proxy for ${from}->${to}`);
    return `127.0.0.1:${p.port}`;
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.proxy.close()));
  }
}
