import { randomUUID } from 'node:crypto';
import {
  type CommandOf,
  type CommandOptions,
  type GetOptions,
  type QueryOf,
  type QueryOptions,
  type QueryResultOf,
  type ResultOf,
  RaftClient as RuntimeRaftClient,
} from '@raftkit/runtime';
import type { HostPort } from '../address.js';
import type { ClusterSecret } from '../handshake/secret.js';
import type { TlsOptions } from '../tls-options.js';
import { TcpCluster } from './tcp-cluster.js';

export interface RaftClientOptions {
  /** Addresses of some (or all) nodes: `"127.0.0.1:7001,127.0.0.1:7002"` or a list. */
  readonly cluster: string | readonly HostPort[];
  readonly secret: ClusterSecret | string | Uint8Array;
  /** Default 'raftkit'. */
  readonly clusterId?: string;
  readonly tls?: TlsOptions;
  /** Session id for exactly-once writes. Default: random. */
  readonly clientId?: string;
  /** Deadline of one operation including retries. Default 10 s. */
  readonly timeoutMs?: number;
  /** Deadline of one attempt on one node. Default 2 s. */
  readonly attemptTimeoutMs?: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  readonly connectTimeoutMs?: number;
}

/**
 * A client for a cluster of node processes (`command` / `query` for an app
 * state machine, typed by `M` as in the runtime; put/get/... for the KV store), over authenticated TCP (or
 * TLS). It is the runtime's RaftClient (leader redirects, capped exponential
 * backoff with jitter, client sessions so a retried write applies exactly
 * once, typed errors: NotLeaderError, TimeoutError, ClusterClosedError)
 * driving nodes through their client port instead of worker threads.
 */
export class RaftClient<M = unknown> {
  readonly clientId: string;
  private constructor(
    private readonly target: TcpCluster,
    private readonly inner: RuntimeRaftClient<M>,
  ) {
    this.clientId = inner.clientId;
  }

  /** Connect: authenticate to a seed and learn the members. Throws when no seed answers. */
  static async connect<M = unknown>(opts: RaftClientOptions): Promise<RaftClient<M>> {
    const clientId = opts.clientId ?? randomUUID();
    const target = await TcpCluster.connect({ ...opts, clientId });
    const inner = new RuntimeRaftClient<M>(target, {
      clientId,
      timeoutMs: opts.timeoutMs,
      attemptTimeoutMs: opts.attemptTimeoutMs,
      retryBaseMs: opts.retryBaseMs ?? 50,
      retryMaxMs: opts.retryMaxMs ?? 1000,
    });
    return new RaftClient<M>(target, inner);
  }

  /** Propose an app command; resolves with `apply`'s result (exactly once; AppError when apply threw). */
  command(cmd: CommandOf<M>, opts?: CommandOptions): Promise<ResultOf<M>> {
    return this.inner.command(cmd, opts);
  }
  /** Run the app machine's read-only query (linearizable by default). */
  query(q: QueryOf<M>, opts?: QueryOptions): Promise<QueryResultOf<M>> {
    return this.inner.query(q, opts);
  }

  put(key: string, value: string): Promise<void> {
    return this.inner.put(key, value);
  }
  /** Exactly the stored value, or undefined when absent. Linearizable by default. */
  get(key: string, opts?: GetOptions): Promise<string | undefined> {
    return this.inner.get(key, opts);
  }
  /** true when it swapped, false when the current value differed (`expected: null` = absent). */
  cas(key: string, expected: string | null, value: string): Promise<boolean> {
    return this.inner.cas(key, expected, value);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  append(key: string, suffix: string): Promise<void> {
    return this.inner.append(key, suffix);
  }

  /** Every member's status (role, term, leader, indices, peer health and RTTs); null for one that does not answer. */
  status(timeoutMs?: number): ReturnType<TcpCluster['statuses']> {
    return this.target.statuses(timeoutMs);
  }

  /** Ask the cluster again who its members are (after membership changes). */
  async refreshMembers(): Promise<readonly string[]> {
    await this.target.discover();
    return this.target.ids;
  }

  get members(): readonly string[] {
    return this.target.ids;
  }

  get stats() {
    return this.inner.stats;
  }

  close(): void {
    this.inner.close();
    this.target.close();
  }
}
