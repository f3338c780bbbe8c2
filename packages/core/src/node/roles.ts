/**
 * Role changes (etcd's becomeFollower / becomePreCandidate / becomeCandidate / becomeLeader). The
 * role chart (role-machine.ts) decides every role; each of its transitions emits one event, handled
 * here once: the entered role's handler table is installed (so the role decides `tick` and `step`),
 * then the role's work is done. A won election: `fire(VOTE_WON)` -> the chart's `roleEntered` ->
 * `enterRole` -> `becomeLeader`.
 */
import { assert } from '../assert.js';
import { voteResult } from '../quorum.js';
import { TRANSITION_REASONS } from '../role-machine.js';
import { EntryType, type NodeId, type Role } from '../types.js';
import { dropForwardedReads, dropRead } from './reads.js';
import { maybeCommit, syncProgress } from './replication.js';
import { adaptLeaderTimeouts } from './safeguards.js';
import {
  type CauseEvent,
  conf,
  drawElectionTimeout,
  EMPTY,
  fire,
  type NodeState,
  promotable,
  type RoleHandlers,
  throwRoleFailure,
} from './state.js';
import { candidateHandlers, preCandidateHandlers, sendVoteRequests } from './step-candidate.js';
import { followerHandlers } from './step-follower.js';
import { leaderHandlers } from './step-leader.js';

const HANDLERS: Readonly<Record<Role, RoleHandlers>> = {
  follower: followerHandlers,
  preCandidate: preCandidateHandlers,
  candidate: candidateHandlers,
  leader: leaderHandlers,
};

/**
 * Listens to the chart's emissions and starts it: it enters `follower`, reported as a 'restart'
 * transition. XState catches what a listener throws (and reports it later, off our stack), so the
 * work keeps it for `fire` to throw to the caller.
 */
export function startRoleChart(n: NodeState): void {
  const carryOut = (work: () => void): void => {
    try {
      work();
    } catch (error) {
      n.roleFailure ??= { error };
    }
  };
  n.roleActor.on('roleEntered', (e) => carryOut(() => enterRole(n, e.role, e.cause as CauseEvent)));
  n.roleActor.on('termAdopted', (e) => {
    // A follower stays follower but adopts a higher term (and forgets its vote).
    const cause = e.cause as CauseEvent;
    if (cause.type === 'HIGHER_TERM') carryOut(() => becomeFollower(n, cause.term, cause.leader, 'follower'));
  });
  n.roleActor.start();
  throwRoleFailure(n);
}

export function campaign(n: NodeState): void {
  if (n.role === 'leader' || !promotable(n)) return;
  fire(n, { type: 'CAMPAIGN' });
}

function enterRole(n: NodeState, role: Role, event: CauseEvent): void {
  // The first entry (the start) is reported from the role it enters.
  const from: Role = n.handlers === undefined ? role : n.handlers.role;
  n.handlers = HANDLERS[role];
  switch (role) {
    case 'follower': {
      const term = 'term' in event ? event.term : n.term;
      const leader = 'leader' in event ? event.leader : null;
      becomeFollower(n, term, leader, from);
      break;
    }
    case 'preCandidate':
      becomePreCandidate(n);
      break;
    case 'candidate':
      becomeCandidate(n, event.type === 'TIMEOUT_NOW');
      break;
    case 'leader':
      becomeLeader(n);
      break;
  }
  const reason = TRANSITION_REASONS[event.type];
  n.transitions.push({ node: n.id, from, to: role, term: n.term, reason });
  if (role === 'preCandidate') requestVotes(n, 'preVote');
  else if (role === 'candidate') requestVotes(n, 'vote');
}

export function becomeFollower(n: NodeState, term: number, leader: NodeId | null, from: Role): void {
  if (from === 'leader') abdicate(n, leader);
  reset(n, term);
  n.lead = leader;
}

export function becomePreCandidate(n: NodeState): void {
  // Pre-Vote keeps term and vote: only a won pre-vote bumps the term.
  n.votes.clear();
  n.lead = null;
  n.campaignIsTransfer = false;
  n.electionElapsed = 0;
  n.randomizedElectionTimeout = drawElectionTimeout(n);
}

export function becomeCandidate(n: NodeState, transfer: boolean): void {
  reset(n, n.term + 1);
  n.vote = n.id;
  n.campaignIsTransfer = transfer;
}

export function becomeLeader(n: NodeState): void {
  reset(n, n.term);
  n.lead = n.id;
  const last = n.log.lastIndex();
  n.progress = new Map();
  syncProgress(n);
  n.reads.reset();
  n.detector.startRounds();
  n.checkpoints.resetPeers();
  n.peerQuarantined.clear();
  n.priorityPolicy.reset(n.now);
  adaptLeaderTimeouts(n);
  // §5.4.2 / §8: commit an entry of our own term before counting anything else as committed.
  n.log.append([{ index: last + 1, term: n.term, type: EntryType.NoOp, data: EMPTY }]);
  maybeCommit(n);
}

/** Leaving leadership: nothing a client is waiting for may be lost silently. */
export function abdicate(n: NodeState, newLeader: NodeId | null): void {
  n.proposals.orphanAll(n.now + n.cfg.electionTicks);
  for (const r of n.reads.drain()) dropRead(n, r, 'termChanged', newLeader);
  n.progress = new Map();
  n.checkpoints.resetPeers();
  n.peerQuarantined.clear();
  n.leadTransferee = null;
  n.leaseUntil = null;
}

/** Common to every role change (etcd's reset). Terms never go backwards. */
export function reset(n: NodeState, term: number): void {
  assert(term >= n.term, () => `term would go back from ${n.term} to ${term}`);
  if (term !== n.term) {
    n.term = term;
    n.vote = null;
    // Answers to forwarded reads would carry the old term and be ignored: end them now.
    dropForwardedReads(n, 'termChanged');
    // A snapshot transfer belongs to one leader's term: discard what arrived of it.
    n.receiver.abort();
  }
  n.lead = null;
  n.electionElapsed = 0;
  n.heartbeatElapsed = 0;
  n.randomizedElectionTimeout = drawElectionTimeout(n);
  n.votes.clear();
  n.campaignIsTransfer = false;
  n.leadTransferee = null;
  n.committedInTerm = false;
  n.leaseUntil = null;
  n.identity.newTerm();
}

export function requestVotes(n: NodeState, kind: 'preVote' | 'vote'): void {
  if (conf(n).voters.includes(n.id)) n.votes.set(n.id, true);
  if (voteResult(conf(n).voters, n.votes) === 'won') {
    fire(n, { type: kind === 'preVote' ? 'PRE_VOTE_WON' : 'VOTE_WON' });
    return;
  }
  sendVoteRequests(n, kind);
}
