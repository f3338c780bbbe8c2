import { FaultProxy, type ProxyCounters } from './fault-proxy.js';
import type { LinkFaults } from './link-faults.js';

/**
 * The proxied network: a FaultProxy in front of every node. Each node is
 * told its peers' proxy addresses (`--peers`) and advertises its own proxy
 * address (`--advertise`), so every link between two nodes, whichever end
 * dials and whatever address the configuration carries after a membership
 * change, crosses the proxy of the node dialled. The proxy reads the
 * dialer's HELLO, so it applies the fault table per directed link: dialer ->
 * target for the bytes going in, target -> dialer for those coming back.
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
    for (const [id, port] of nodes) {
      const proxy = new FaultProxy(id, port, faults, net.counters, random);
      net.proxies.set(id, { proxy, port: await proxy.listen() });
    }
    return net;
  }

  /** The address every other node (and the configuration) uses for node `id`. */
  address(id: string): string {
    const p = this.proxies.get(id);
    if (!p) throw new Error(`no proxy for ${id}`);
    return `127.0.0.1:${p.port}`;
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.proxy.close()));
  }
}
