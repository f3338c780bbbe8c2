import { randomUUID } from 'node:crypto';
import {
  backoffDelay,
  LearnerNotCaughtUpError,
  MembershipChangeError,
  NodeStoppedError,
  NotLeaderError,
  TimeoutError,
} from '@raftkit/runtime';
import type { HostPort } from '../address.js';
import type { ClusterSecret } from '../handshake/secret.js';
import type { NodeStatusReport } from '../node/node-server.js';
import type { TlsOptions } from '../tls-options.js';
import type { RequestBody } from './node-channel.js';
import type { ConfChangeAnswer, MembershipChangeRequest, MembersInfo, SnapshotAnswer } from './protocol.js';
import { TcpCluster } from './tcp-cluster.js';

export interface AdminClientOptions {
  /** Addresses of some (or all) nodes. */
  readonly cluster: string | readonly HostPort[];
  readonly secret: ClusterSecret | string | Uint8Array;
  readonly clusterId?: string;
  readonly tls?: TlsOptions;
  /** Deadline of one operation including its retries. Default 30 s. */
  readonly timeoutMs?: number;
  readonly connectTimeoutMs?: number;
}

/** One row of `raftkit member list`. */
export interface MemberRow {
  readonly id: string;
  readonly address: string | null;
  readonly role: 'voter' | 'learner';
  /** The leader's match index for it (the leader's own last index for itself); null when no leader answered. */
  readonly match: number | null;
  /** Dual-channel health as the leader sees the link (`self` for the leader), null when unknown. */
  readonly health: string | null;
  readonly leader: boolean;
}

/**
 * The operator's client: membership changes, leadership transfer, snapshots
 * and repair, each sent to the node that must run it (the leader, or the
 * node being repaired), following `notLeader` hints and retrying the refusals
 * that pass by themselves (a leader not ready yet, a change in flight, a
 * learner still catching up) until the deadline. Errors stay typed:
 * `MembershipChangeError` (its `reason`), `NotLeaderError`, `TimeoutError`,
 * `InvalidRequestError`.
 */
export class AdminClient {
  private constructor(
    private readonly target: TcpCluster,
    private readonly timeoutMs: number,
  ) {}

  static async connect(opts: AdminClientOptions): Promise<AdminClient> {
    const target = await TcpCluster.connect({ ...opts, clientId: `admin-${randomUUID()}` });
    return new AdminClient(target, opts.timeoutMs ?? 30_000);
  }

  /** Who is in the configuration, with the leader's view of each member. */
  async members(): Promise<MemberRow[]> {
    const info = await this.target.discover();
    const statuses = await this.target.statuses();
    const leader = statuses.find((s) => s.report?.node?.role === 'leader')?.report ?? null;
    const conf = leader?.node?.conf ?? {
      voters: info.voters ?? info.members.map((m) => m.id),
      learners: info.learners ?? [],
    };
    const rows: MemberRow[] = [];
    for (const [ids, role] of [
      [conf.voters, 'voter'],
      [conf.learners, 'learner'],
    ] as const) {
      for (const id of ids) {
        const progress = leader?.node?.progress.find((p) => p.id === id);
        const isLeader = leader?.id === id;
        rows.push({
          id,
          address: this.target.addressOf(id) ?? null,
          role,
          match: isLeader ? (leader?.node?.lastIndex ?? null) : (progress?.match ?? null),
          health: isLeader ? 'self' : (leader?.peers.find((p) => p.id === id)?.health ?? null),
          leader: isLeader,
        });
      }
    }
    return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * One membership change, committed (waits for a learner to catch up before
   * a promotion). `timeoutMs` bounds this call (default: the client's).
   */
  changeMembership(change: MembershipChangeRequest, timeoutMs?: number): Promise<ConfChangeAnswer> {
    return this.onLeader({ op: 'confChange', change }, timeoutMs) as Promise<ConfChangeAnswer>;
  }

  /**
   * Promote learner `id` once it has caught up, as long as it catches up: when
   * the leader has replicated nothing to it for `idleMs` (it is not running
   * yet), resolves null instead of waiting for the deadline; a node started
   * later with `--join` promotes itself.
   */
  async promoteWhenCaughtUp(id: string, idleMs: number): Promise<ConfChangeAnswer | null> {
    const deadline = performance.now() + this.timeoutMs;
    let lastMatch = -1;
    let idleSince = performance.now();
    for (;;) {
      const left = deadline - performance.now();
      try {
        return await this.changeMembership({ type: 'promote', node: id }, Math.max(1, Math.min(left, 1000)));
      } catch (error) {
        const notYet = error instanceof LearnerNotCaughtUpError || error instanceof TimeoutError;
        if (!notYet || performance.now() >= deadline) throw error;
      }
      const match = (await this.members()).find((m) => m.id === id)?.match ?? 0;
      if (match !== lastMatch) {
        lastMatch = match;
        idleSince = performance.now();
      } else if (performance.now() - idleSince >= idleMs) {
        return null;
      }
    }
  }

  /** Hand leadership to `to`; resolves once it leads. */
  async transferLeader(to: string): Promise<void> {
    await this.onLeader({ op: 'transferLeader', to });
  }

  /** The leader's state machine at a committed index. */
  snapshot(): Promise<SnapshotAnswer> {
    return this.onLeader({ op: 'snapshot' }) as Promise<SnapshotAnswer>;
  }

  /** Ask node `id` to repair itself; resolves when its state hash equals the common one. */
  async repair(id: string): Promise<unknown> {
    await this.target.discover();
    if (!this.target.ids.includes(id)) throw new NodeStoppedError(id);
    return this.target.request(id, { op: 'repair', node: id }, this.timeoutMs);
  }

  statuses(): Promise<{ id: string; address: string; report: NodeStatusReport | null; error?: string }[]> {
    return this.target.statuses();
  }

  discover(): Promise<MembersInfo> {
    return this.target.discover();
  }

  /** The leader's own `members` answer (its configuration is the newest), or null when no leader is known. */
  async leaderMembers(): Promise<MembersInfo | null> {
    let info = await this.target.discover();
    // The first node to answer may know no leader (it may be cut off itself): ask the others.
    for (const id of this.target.ids) {
      if (info.leader) break;
      if (id === info.self) continue;
      const other = (await this.target
        .request(id, { op: 'members' }, 3000)
        .catch(() => null)) as MembersInfo | null;
      if (other?.leader) info = other;
    }
    if (!info.leader) return null;
    if (info.leader === info.self) return info;
    if (!this.target.ids.includes(info.leader)) return null;
    return (await this.target.request(info.leader, { op: 'members' }, 3000)) as MembersInfo;
  }

  close(): void {
    this.target.close();
  }

  /** Send to the leader until it answers, following hints; transient refusals are retried until the deadline. */
  private async onLeader(body: RequestBody, timeoutMs = this.timeoutMs): Promise<unknown> {
    const deadline = performance.now() + timeoutMs;
    let target: string | null = null;
    let last: unknown = null;
    for (let attempt = 0; ; attempt++) {
      const left = deadline - performance.now();
      if (left <= 0) {
        if (last instanceof MembershipChangeError) throw last;
        const why = last instanceof Error ? last.message : 'no leader answered';
        throw new TimeoutError(`${body.op} did not finish within ${timeoutMs} ms (last: ${why})`);
      }
      try {
        if (target === null || !this.target.ids.includes(target)) {
          const info = await this.target.discover();
          target = info.leader ?? info.self;
        }
        return await this.target.request(target, body, left);
      } catch (error) {
        // An attempt the operation's own deadline cut short says nothing new: the refusal before it is the answer.
        if (
          error instanceof TimeoutError &&
          performance.now() >= deadline &&
          last instanceof MembershipChangeError
        ) {
          throw last;
        }
        last = error;
        if (error instanceof NotLeaderError && error.leaderHint && error.leaderHint !== target) {
          target = error.leaderHint;
          continue;
        }
        const retry =
          error instanceof NotLeaderError ||
          error instanceof NodeStoppedError ||
          (error instanceof MembershipChangeError && error.reason !== undefined);
        if (!retry) throw error;
        if (error instanceof MembershipChangeError && error.leaderHint) target = error.leaderHint;
        else target = null;
        // Retry pacing (a new leader, a learner catching up): not a wait for a condition.
        await new Promise((r) => setTimeout(r, backoffDelay(attempt, 50, 500)));
      }
    }
  }
}
