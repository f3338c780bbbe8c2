import { type ClientTarget, InvalidRequestError, NodeStoppedError, type ReadResult } from '@raftkit/runtime';
import { formatHostPort, type HostPort, parseAddressList, parseHostPort } from '../address.js';
import { ClusterSecret } from '../handshake/secret.js';
import type { NodeStatusReport } from '../node/node-server.js';
import type { TlsOptions } from '../tls-options.js';
import { NodeChannel, type RequestBody } from './node-channel.js';
import type { MembersInfo } from './protocol.js';

export interface TcpClusterOptions {
  /** Any subset of the cluster's client addresses; the rest is discovered. */
  readonly seeds: readonly HostPort[];
  readonly secret: ClusterSecret;
  readonly clusterId: string;
  readonly tls?: TlsOptions;
  readonly clientId: string;
  readonly connectTimeoutMs?: number;
}

/**
 * The cluster as the runtime's RaftClient sees it (a ClientTarget), over TCP:
 * node ids map to authenticated connections; the id -> address map comes
 * from the nodes' `members` answer, so a client given one address can follow
 * a redirect to any leader.
 */
export class TcpCluster implements ClientTarget {
  private channels = new Map<string, NodeChannel>();
  private known: string[] = [];
  private lastLeader: string | null = null;
  private isClosed = false;

  constructor(private readonly opts: TcpClusterOptions) {}

  /**
   * A cluster reached through some of its addresses (`"h:p,h:p"` or a list),
   * its members learned from the first seed that answers. Throws (and closes
   * what it opened) when none answers.
   */
  static async connect(opts: {
    readonly cluster: string | readonly HostPort[];
    readonly secret: ClusterSecret | string | Uint8Array;
    readonly clusterId?: string;
    readonly tls?: TlsOptions;
    readonly clientId: string;
    readonly connectTimeoutMs?: number;
  }): Promise<TcpCluster> {
    const target = new TcpCluster({
      seeds: typeof opts.cluster === 'string' ? parseAddressList(opts.cluster) : [...opts.cluster],
      secret: opts.secret instanceof ClusterSecret ? opts.secret : ClusterSecret.from(opts.secret),
      clusterId: opts.clusterId ?? 'raftkit',
      tls: opts.tls,
      clientId: opts.clientId,
      connectTimeoutMs: opts.connectTimeoutMs,
    });
    try {
      await target.discover();
    } catch (error) {
      target.close();
      throw error;
    }
    return target;
  }

  get ids(): readonly string[] {
    return this.known;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  leaderHint(): string | null {
    return this.lastLeader;
  }

  /** Ask the seeds (in turn) for the member list. Throws the last error when none answers. */
  async discover(): Promise<MembersInfo> {
    let last: unknown = new InvalidRequestError('no seed addresses');
    // The seeds first, then the members learned since (the seeds may all have left the cluster).
    const learned = this.known.map((id) => this.channels.get(id)?.address).filter((a) => a !== undefined);
    const tried = new Set<string>();
    for (const seed of [...this.opts.seeds, ...learned]) {
      const key = formatHostPort(seed);
      if (tried.has(key)) continue;
      tried.add(key);
      const channel = this.channelFor(seed);
      try {
        const info = (await channel.request(
          { op: 'members' },
          this.opts.connectTimeoutMs ?? 3000,
        )) as MembersInfo;
        this.learn(info, channel);
        return info;
      } catch (error) {
        last = error;
      }
    }
    throw last;
  }

  node(id: string): ReturnType<ClientTarget['node']> {
    return {
      propose: (data) => this.request(id, { op: 'propose', data }),
      read: (key, consistency) => this.request(id, { op: 'read', key, consistency }) as Promise<ReadResult>,
      query: (query, consistency) =>
        this.request(id, { op: 'query', query, consistency }) as Promise<ReadResult>,
    };
  }

  /**
   * One request to node `id` (which must be known: see `discover`). Errors
   * are the typed errors of the answer, or NodeStoppedError when the node
   * cannot be reached.
   */
  async request(id: string, body: RequestBody, timeoutMs?: number): Promise<unknown> {
    let channel = this.channels.get(id);
    if (!channel) {
      // A member that joined after we looked (e.g. the new leader): ask the cluster again.
      await this.discover().catch(() => null);
      channel = this.channels.get(id);
    }
    return channel ? channel.request(body, timeoutMs) : this.unknown(id);
  }

  /** The client address of a known node. */
  addressOf(id: string): string | undefined {
    const channel = this.channels.get(id);
    return channel ? formatHostPort(channel.address) : undefined;
  }

  /** Every member's status report (null for a member that does not answer within `timeoutMs`). */
  async statuses(
    timeoutMs = 3000,
  ): Promise<{ id: string; address: string; report: NodeStatusReport | null; error?: string }[]> {
    return Promise.all(
      this.known.map(async (id) => {
        const channel = this.channels.get(id)!;
        try {
          const report = (await channel.request({ op: 'status' }, timeoutMs)) as NodeStatusReport;
          if (report.node?.role === 'leader') this.lastLeader = id;
          return { id, address: formatHostPort(channel.address), report };
        } catch (error) {
          return {
            id,
            address: formatHostPort(channel.address),
            report: null,
            error: (error as Error).message,
          };
        }
      }),
    );
  }

  close(): void {
    this.isClosed = true;
    for (const c of this.channels.values()) c.close();
  }

  private learn(info: MembersInfo, answeredBy: NodeChannel): void {
    // The node that answered is reached at the address we used, whatever it listens on (e.g. 0.0.0.0).
    for (const [key, ch] of this.channels) {
      if (ch === answeredBy && key !== info.self) {
        this.channels.delete(key);
        ch.nodeId = info.self;
        this.channels.set(info.self, ch);
      }
    }
    for (const m of info.members) {
      if (!this.channels.has(m.id)) {
        const existing = [...this.channels.entries()].find(
          ([key, ch]) => key.startsWith('@') && formatHostPort(ch.address) === m.address,
        );
        if (existing) {
          this.channels.delete(existing[0]);
          existing[1].nodeId = m.id;
          this.channels.set(m.id, existing[1]);
        } else {
          this.channels.set(m.id, this.makeChannel(parseHostPort(m.address), m.id));
        }
      }
    }
    this.known = info.members.map((m) => m.id).sort();
    if (info.leader) this.lastLeader = info.leader;
  }

  private channelFor(seed: HostPort): NodeChannel {
    const address = formatHostPort(seed);
    for (const ch of this.channels.values()) if (formatHostPort(ch.address) === address) return ch;
    const ch = this.makeChannel(seed, undefined);
    this.channels.set(`@${address}`, ch);
    return ch;
  }

  private makeChannel(address: HostPort, id: string | undefined): NodeChannel {
    return new NodeChannel({
      address,
      secret: this.opts.secret,
      clusterId: this.opts.clusterId,
      tls: this.opts.tls,
      clientId: this.opts.clientId,
      expectedId: id,
      connectTimeoutMs: this.opts.connectTimeoutMs,
    });
  }

  private unknown(id: string): Promise<never> {
    return Promise.reject(new NodeStoppedError(id));
  }
}
