import type { ConfChange } from '@raftkit/core';
import { InvalidRequestError, type NodeHandle, NotLeaderError } from '@raftkit/runtime';
import type { ConfChangeAnswer, MembershipChangeRequest, SnapshotAnswer } from '../client/protocol.js';

/** What a node's client server runs for the operator commands (`raftkit member|transfer-leader|snapshot|repair`). */
export interface NodeOperations {
  confChange(change: MembershipChangeRequest): Promise<ConfChangeAnswer>;
  transferLeader(to: string): Promise<void>;
  snapshot(): Promise<SnapshotAnswer>;
  /** Only on the node named: leave the cluster, wipe the store, rejoin as a fresh learner. */
  repair(node: string): Promise<unknown>;
}

/**
 * The leader-side operations of one node process, through its own actor's
 * control API: membership changes, leadership transfer and state snapshots
 * run on the leader (anything else answers NotLeaderError with the hint, and
 * the client follows it). A leader asked to remove itself hands leadership
 * to its most caught-up voter first and redirects the client there, so the
 * removal is proposed by a leader that stays.
 */
export class LeaderOperations implements Omit<NodeOperations, 'repair'> {
  constructor(
    private readonly actor: NodeHandle,
    /** Told the address of a member being added, before the change is proposed (so this leader dials it at once). */
    private readonly learnAddress: (id: string, address: string) => void = () => {},
  ) {}

  async confChange(req: MembershipChangeRequest): Promise<ConfChangeAnswer> {
    const self = this.actor.id;
    const st = await this.actor.status();
    if (st.role !== 'leader') throw new NotLeaderError(self, st.leader);
    if (req.type === 'addLearner' && req.address === undefined) {
      throw new InvalidRequestError(`adding ${req.node} needs its address (HOST:PORT)`);
    }
    if (req.type === 'remove' && req.node === self) {
      const to = handoverTarget(st.progress, st.conf.voters, self);
      if (to === null) throw new InvalidRequestError(`cannot remove ${self}: it is the only voter`);
      await this.actor.transferLeadership(to);
      throw new NotLeaderError(self, to, `${self} handed leadership to ${to} before its removal`);
    }
    if (req.address !== undefined) this.learnAddress(req.node, req.address);
    const change = { ...req } as ConfChange;
    const index = await this.actor.proposeConfChange(change);
    const after = await this.actor.status().catch(() => st);
    return {
      leader: self,
      index,
      voters: [...after.conf.voters],
      learners: [...after.conf.learners],
    };
  }

  async transferLeader(to: string): Promise<void> {
    const st = await this.actor.status();
    if (st.role !== 'leader') throw new NotLeaderError(this.actor.id, st.leader);
    if (to !== this.actor.id && !st.conf.voters.includes(to)) {
      throw new InvalidRequestError(`${to} is not a voter (voters: ${st.conf.voters.join(',')})`);
    }
    await this.actor.transferLeadership(to);
  }

  async snapshot(): Promise<SnapshotAnswer> {
    const st = await this.actor.status();
    if (st.role !== 'leader') throw new NotLeaderError(this.actor.id, st.leader);
    // The state machine as applied here: every applied entry is committed, so this is a committed
    // prefix; its term and the membership in force at that index come with it.
    const snap = await this.actor.snapshotState();
    return {
      node: this.actor.id,
      index: snap.index,
      term: snap.term,
      voters: [...snap.conf.voters],
      learners: [...snap.conf.learners],
      stateHash: snap.hash,
      data: snap.data,
    };
  }
}

/** The voter (not `self`) with the highest match index: the one a transfer completes fastest on. */
export function handoverTarget(
  progress: readonly { readonly id: string; readonly match: number }[],
  voters: readonly string[],
  self: string,
): string | null {
  let best: { id: string; match: number } | null = null;
  for (const p of progress) {
    if (p.id === self || !voters.includes(p.id)) continue;
    if (best === null || p.match > best.match) best = p;
  }
  return best?.id ?? voters.find((v) => v !== self) ?? null;
}
