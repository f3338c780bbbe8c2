import type { Cluster, NodeHandle, RuntimeNodeStatus } from '@raftkit/runtime';
import { TimeoutError } from '@raftkit/runtime';
import type { AdminClient } from '../client/admin-client.js';
import type { NetLogger } from '../log.js';
import { incarnationOf } from './join.js';

/** What `raftkit repair ID` answers once the node is back. */
export interface RepairAnswer {
  readonly node: string;
  /** Applied index at which its state hash was seen equal to the common one. */
  readonly index: number;
  readonly hash: string;
  /** How it caught up: installed a leader snapshot, or replayed the leader's log. */
  readonly via: 'snapshot' | 'log';
  readonly ms: number;
}

export interface SelfRepairHost {
  readonly id: string;
  /** Where this node listens (its address in the configuration). */
  readonly address: string;
  readonly actor: NodeHandle;
  readonly cluster: Cluster;
  readonly logger: NetLogger;
  /** A client of the other members (never this node: it is the one being rebuilt). */
  admin(): Promise<AdminClient>;
}

/**
 * Rebuild this node from the others (a diverged node, quarantined): have the
 * leader remove it (a leader hands over first), stop the actor and wipe its
 * store, start it empty as a learner of the current configuration, have the
 * leader add it back as a fresh member (a new store: a new incarnation, so it
 * never counts as the old voter), promote it once caught up (by snapshot when
 * the leader compacted its log), and finish when its state hash equals the
 * common one. Never an empty node under its old, voting identity.
 */
export async function repairSelf(host: SelfRepairHost, timeoutMs: number): Promise<RepairAnswer> {
  const started = performance.now();
  const deadline = started + timeoutMs;
  const { id, logger } = host;
  const before = await host.actor.status().catch(() => null);
  const wasVoter = before ? before.conf.voters.includes(id) : true;
  const admin = await host.admin();
  try {
    logger.log('warn', 'repair: leaving the configuration', { node: id });
    const removed = await admin.changeMembership({ type: 'remove', node: id });
    logger.log('warn', 'repair: wiping the store and rejoining as a learner', {
      node: id,
      index: removed.index,
    });
    await host.cluster.rejoinEmpty(id, {
      voters: removed.voters,
      learners: [...removed.learners.filter((l) => l !== id), id],
    });
    const incarnation = incarnationOf(await host.actor.status());
    await admin.changeMembership({
      type: 'addLearner',
      node: id,
      address: host.address,
      ...(incarnation !== undefined ? { incarnation } : {}),
    });
    if (wasVoter) await admin.changeMembership({ type: 'promote', node: id });
    const agreed = await waitForCommonHash(host.actor, admin, deadline);
    const st = await host.actor.status();
    const answer: RepairAnswer = {
      node: id,
      index: agreed.index,
      hash: agreed.hash,
      via: st.snapshots.installed > 0 ? 'snapshot' : 'log',
      ms: Math.round(performance.now() - started),
    };
    logger.log('info', 'repair: done', { ...answer });
    return answer;
  } catch (error) {
    // Once removed, a node that could not get back in is no member: it stops (the leader will not list
    // it); a new member then joins with an empty --data and --join.
    logger.log('error', 'repair failed', { node: id, error: (error as Error).message });
    throw error;
  } finally {
    admin.close();
  }
}

/**
 * This node's hash is the common one: equal to the leader's at the same
 * applied index, or its latest checkpoint confirmed by a quorum.
 */
async function waitForCommonHash(
  actor: NodeHandle,
  admin: AdminClient,
  deadline: number,
): Promise<{ index: number; hash: string }> {
  for (;;) {
    const me = await actor.status().catch(() => null);
    if (me && !me.quarantine) {
      const own = ownCheckpointAgrees(me);
      if (own) return own;
      const leader = (await admin.statuses()).find((s) => s.report?.node?.role === 'leader')?.report?.node;
      if (
        leader &&
        leader.id !== me.id &&
        leader.appliedIndex === me.appliedIndex &&
        leader.stateHash === me.stateHash
      ) {
        return { index: me.appliedIndex, hash: me.stateHash };
      }
    }
    if (performance.now() > deadline) {
      throw new TimeoutError(`node ${actor.id} did not reach the common state hash in time`);
    }
    // Poll pacing: the condition is checked again above.
    await new Promise((r) => setTimeout(r, 100));
  }
}

function ownCheckpointAgrees(st: RuntimeNodeStatus): { index: number; hash: string } | null {
  const cp = st.checkpoints;
  if (cp.self !== 'ok' || !cp.latest || !cp.confirmed) return null;
  if (cp.latest.index !== cp.confirmed.index || cp.latest.hash !== cp.confirmed.hash) return null;
  return { index: cp.latest.index, hash: cp.latest.hash };
}
