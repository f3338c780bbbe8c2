import type { RuntimeNodeStatus } from '@raftkit/runtime';
import { type HostPort, parseHostPort } from '../address.js';
import type { AdminClient } from '../client/admin-client.js';
import { NetConfigError } from '../errors.js';
import type { NetLogger } from '../log.js';

/** What a joining node starts with: the cluster's membership as one of its members reported it. */
export interface JoinPlan {
  readonly voters: readonly string[];
  /** The learners already there (this node not included). */
  readonly learners: readonly string[];
  /** This node is a learner already (an operator ran `member add` first): it is not added again. */
  readonly alreadyLearner: boolean;
  /** Every member's address. */
  readonly peers: ReadonlyMap<string, HostPort>;
}

/**
 * Ask the cluster (before this node starts) who its members are and where
 * they listen. A node whose id is a voter already is refused: it would start
 * empty under a voter's identity (it could vote twice in a term); remove the
 * old member first, or repair it.
 */
export async function planJoin(self: string, admin: AdminClient): Promise<JoinPlan> {
  const info = (await admin.leaderMembers()) ?? (await admin.discover());
  if (!info.voters || !info.learners) {
    throw new NetConfigError(`node ${info.self} answered without a configuration (is its actor running?)`);
  }
  if (info.voters.includes(self)) {
    throw new NetConfigError(
      `${self} is a voter of the cluster already: remove it first (raftkit member remove ${self}) or repair it`,
    );
  }
  const peers = new Map<string, HostPort>();
  for (const m of info.members) if (m.id !== self) peers.set(m.id, parseHostPort(m.address));
  return {
    voters: [...info.voters],
    learners: info.learners.filter((l) => l !== self),
    alreadyLearner: info.learners.includes(self),
    peers,
  };
}

/**
 * Have the leader add this (running) node as a learner, then, unless it stays
 * a learner, promote it once it has caught up (the leader refuses the
 * promotion with learnerNotCaughtUp until then; the admin client retries).
 */
export async function joinAsMember(opts: {
  readonly admin: AdminClient;
  /** Already a learner (added by `member add`): only the promotion is left. */
  readonly alreadyLearner: boolean;
  readonly self: string;
  readonly address: string;
  readonly status: () => Promise<RuntimeNodeStatus>;
  readonly stayLearner: boolean;
  readonly logger: NetLogger;
  /** Called with the log index at or below which this node became a member (its addLearner). */
  readonly admitted: (index: number) => void;
}): Promise<void> {
  const { admin, self, logger } = opts;
  if (!opts.alreadyLearner) {
    const incarnation = incarnationOf(await opts.status());
    const added = await admin.changeMembership({
      type: 'addLearner',
      node: self,
      address: opts.address,
      ...(incarnation !== undefined ? { incarnation } : {}),
    });
    logger.log('info', 'joined as a learner', { node: self, index: added.index, leader: added.leader });
    opts.admitted(added.index);
  } else {
    // Added by an operator before it ran: its addLearner is committed, so below the leader's commit index.
    const leader = (await admin.statuses()).find((s) => s.report?.node?.role === 'leader')?.report?.node;
    opts.admitted(leader?.commitIndex ?? 0);
  }
  if (opts.stayLearner) return;
  const promoted = await admin.changeMembership({ type: 'promote', node: self });
  logger.log('info', 'promoted to voter', { node: self, index: promoted.index, leader: promoted.leader });
}

/** The store's incarnation, for the addLearner that binds it (0: not known, sent as absent). */
export function incarnationOf(status: RuntimeNodeStatus): number | undefined {
  return status.incarnation > 0 ? status.incarnation : undefined;
}
