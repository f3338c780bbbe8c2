import { type ClientTarget, InvalidRequestError, NodeStoppedError, type ReadResult } from '@raftkit/runtime';
import { formatHostPort, type HostPort, parseHostPort } from '../address.js';
import type { ClusterSecret } from '../handshake/secret.js';
import type { NodeStatusReport } from '../node/node-server.js';
import type { TlsOptions } from '../tls-options.js';
import { NodeChannel } from './node-channel.js';
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
    for (const seed of this.opts.seeds) {
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
    const channel = this.channels.get(id);
    return {
      propose: (data) => (channel ? channel.request({ op: 'propose', data }) : this.unknown(id)),
      read: (key, consistency) =>
        (channel
          ? channel.request({ op: 'read', key, consistency })
          : this.unknown(id)) as Promise<ReadResult>,
      query: (query, consistency) =>
        (channel
          ? channel.request({ op: 'query', query, consistency })
          : this.unknown(id)) as Promise<ReadResult>,
    };
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
