/**
 * A (pre-)candidate's handlers (etcd's stepCandidate): counting (pre-)votes, or finding the term's leader.
 */
import { voteResult } from '../quorum.js';
import type { VoteResponseMessage } from '../types.js';
import { conf, fire, type NodeState, type RoleHandlers, type StepHandler, type StepTable } from './state.js';
import { followerHandlers } from './step-follower.js';

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

/** What a pre-candidate and a candidate do alike (a follower's tick and reads); each counts only its own kind of vote. */
const campaigning: StepTable = {
  append: fromLeader('append'),
  heartbeat: fromLeader('heartbeat'),
  snapshot: fromLeader('snapshot'),
  readIndex: followerHandlers.step.readIndex,
  readIndexResp: followerHandlers.step.readIndexResp,
};

export const preCandidateHandlers: RoleHandlers = {
  role: 'preCandidate',
  tick: followerHandlers.tick,
  step: { ...campaigning, preVoteResp: handleVoteResp },
};

export const candidateHandlers: RoleHandlers = {
  role: 'candidate',
  tick: followerHandlers.tick,
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
