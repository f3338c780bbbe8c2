import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObservationData, TransitionEvent } from '@raftkit/runtime';
import { type HostPort, RaftkitNode, type RaftkitNodeOptions } from '../../src/index.js';
import { freePorts, SECRET } from './cluster.js';
import { waitFor } from './wait.js';

/** Three (or n) RaftkitNodes in this process (actors on worker threads), on loopback, LMDB in a temp dir. */
export class InProcessCluster {
  readonly nodes = new Map<string, RaftkitNode>();
  /** Every node's events since its first tick (subscribed between RaftkitNode.create and start). */
  readonly transitions: TransitionEvent[] = [];
  readonly observations: ObservationData[] = [];
  private constructor(
    readonly ids: string[],
    readonly addresses: Map<string, HostPort>,
    readonly dir: string,
    private readonly extra: Partial<RaftkitNodeOptions>,
  ) {}

  static async start(n = 3, extra: Partial<RaftkitNodeOptions> = {}): Promise<InProcessCluster> {
    const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
    const ports = await freePorts(n);
    const addresses = new Map(ids.map((id, i) => [id, { host: '127.0.0.1', port: ports[i] }]));
    const c = new InProcessCluster(ids, addresses, mkdtempSync(join(tmpdir(), 'raftkit-net-')), extra);
    await Promise.all(ids.map((id) => c.startNode(id)));
    return c;
  }

  get seeds(): string {
    return [...this.addresses.values()].map((a) => `${a.host}:${a.port}`).join(',');
  }

  options(id: string): RaftkitNodeOptions {
    return {
      id,
      listen: this.addresses.get(id)!,
      peers: new Map([...this.addresses].filter(([p]) => p !== id)),
      dataDir: join(this.dir, id),
      secret: SECRET,
      clusterId: 'test',
      tickMs: 20,
      udpPort: 0,
      transport: {
        pingIntervalMs: 50,
        idleTimeoutMs: 2000,
        handshakeTimeoutMs: 1000,
        reconnect: { initialMs: 20, maxMs: 300 },
        health: { suspectAfterMs: 400, downAfterMs: 1200 },
      },
      ...this.extra,
    };
  }

  async startNode(id: string): Promise<RaftkitNode> {
    const node = await RaftkitNode.create(this.options(id));
    node.events.on('transition', (t) => this.transitions.push(t));
    node.events.on('observation', (o) => this.observations.push(o));
    this.nodes.set(id, node);
    await node.start();
    return node;
  }

  async stopNode(id: string): Promise<void> {
    await this.nodes.get(id)?.stop();
    this.nodes.delete(id);
  }

  /** The leader id once a majority of running nodes agree on it. */
  async leader(timeoutMs = 15_000, exclude: string[] = []): Promise<string> {
    return waitFor(
      async () => {
        const st = await Promise.all([...this.nodes.values()].map((n) => n.actor.status().catch(() => null)));
        const leaders = st.filter((s) => s?.role === 'leader' && !exclude.includes(s.id));
        for (const l of leaders) {
          const followers = st.filter((s) => s && s.leader === l!.id && s.term === l!.term);
          if (followers.length > this.ids.length / 2) return l!.id;
        }
        return null;
      },
      { timeoutMs, what: 'a leader' },
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.stop()));
    this.nodes.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
