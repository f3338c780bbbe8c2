/**
 * A (pre-)candidate's handlers (etcd's stepCandidate): counting (pre-)votes, or finding the term's leader.
 */
import { voteResult } from '../quorum.js';
import type { VoteMessage, VoteResponseMessage } from '../types.js';
import {
  conf,
  fire,
  type NodeState,
  type RoleHandlers,
  type StepHandler,
  type StepTable,
  send,
} from './state.js';
import { followerHandlers, tickElection } from './step-follower.js';

/**
 * A (pre-)candidate that hears from a leader of its own term lost the election to it: it becomes
 * that leader's follower and handles the message as one.
 */
const fromLeader = <T extends 'append' | 'heartbeat' | 'snapshot'>(type: T): StepHandler<T> => {
  const asFollower = followerHandlers.step[type] as StepHandler<T>;
  return (n, m) => {
    fire(n, { type: 'LEADER_DISCOVERED', term: m.term, leader: m.from });
    asFollower(n, m);
  };
};

/** What a pre-candidate and a candidate do alike (a follower's reads); each counts only its own kind of vote. */
const campaigning: StepTable = {
  append: fromLeader('append'),
  heartbeat: fromLeader('heartbeat'),
  snapshot: fromLeader('snapshot'),
  readIndex: followerHandlers.step.readIndex,
  readIndexResp: followerHandlers.step.readIndexResp,
};

/**
 * A (pre-)candidate's tick: the election timer, and each heartbeat interval the voters that
 * have not answered are asked again (roles.ts sendVoteRequests says why).
 */
const tickCampaign =
  (kind: 'preVote' | 'vote') =>
  (n: NodeState): void => {
    if (tickElection(n)) return;
    if (n.electionElapsed % n.cfg.heartbeatTicks === 0) sendVoteRequests(n, kind);
  };

export const preCandidateHandlers: RoleHandlers = {
  role: 'preCandidate',
  tick: tickCampaign('preVote'),
  step: { ...campaigning, preVoteResp: handleVoteResp },
};

export const candidateHandlers: RoleHandlers = {
  role: 'candidate',
  tick: tickCampaign('vote'),
  step: { ...campaigning, voteResp: handleVoteResp },
};

export function handleVoteResp(n: NodeState, m: VoteResponseMessage): void {
  if (!conf(n).voters.includes(m.from) || n.votes.has(m.from)) return;
  // A vote is a promise kept in the voter's store: count only the incarnation our configuration names.
  if (!n.identity.counts(conf(n), m.from, m.inc ?? 0, n.term, false)) return;
  n.votes.set(m.from, !m.reject);
  const result = voteResult(conf(n).voters, n.votes);
  const pre = n.role === 'preCandidate';
  if (result === 'won') fire(n, { type: pre ? 'PRE_VOTE_WON' : 'VOTE_WON' });
  else if (result === 'lost') fire(n, { type: pre ? 'PRE_VOTE_LOST' : 'VOTE_LOST' });
}

/**
 * Sends the (pre-)vote request to every other voter that has not answered yet.
 * A voter that heard from a live leader ignores the request without a reply
 * (stickiness): asking again each heartbeat interval means the campaign is
 * granted as soon as that voter's own election timeout lapses, instead of
 * after another randomized timeout of ours (the slow tail of failovers).
 */
export function sendVoteRequests(n: NodeState, kind: 'preVote' | 'vote'): void {
  const term = kind === 'preVote' ? n.term + 1 : n.term;
  const lastIndex = n.log.lastIndex();
  const lastTerm = n.log.lastTerm();
  for (const v of conf(n).voters) {
    if (v === n.id || n.votes.has(v)) continue;
    send<VoteMessage>(n, {
      type: kind,
      from: n.id,
      to: v,
      term,
      lastIndex,
      lastTerm,
      transfer: n.campaignIsTransfer,
    });
  }
}
