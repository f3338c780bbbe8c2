/**
 * A (pre-)candidate's messages (etcd's stepCandidate): counting (pre-)votes, or finding the term's leader.
 */
import { voteResult } from '../quorum.js';
import type { Message, VoteResponseMessage } from '../types.js';
import { handleReadIndexResp, rejectRead } from './reads.js';
import { conf, type NodeState } from './state.js';
import { stepFollower } from './step-follower.js';

export function stepCandidate(n: NodeState, m: Message): void {
  switch (m.type) {
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      // The election of this term was won by someone else.
      n.fire({ type: 'LEADER_DISCOVERED', term: m.term, leader: m.from });
      stepFollower(n, m);
      return;
    case 'preVoteResp':
      if (n.role === 'preCandidate') handleVoteResp(n, m);
      return;
    case 'voteResp':
      if (n.role === 'candidate') handleVoteResp(n, m);
      return;
    case 'readIndex':
      rejectRead(n, m);
      return;
    case 'readIndexResp':
      handleReadIndexResp(n, m);
      return;
    default:
      return;
  }
}

export function handleVoteResp(n: NodeState, m: VoteResponseMessage): void {
  if (!conf(n).voters.includes(m.from) || n.votes.has(m.from)) return;
  // A vote is a promise kept in the voter's store: count only the incarnation our configuration names.
  if (!n.identity.counts(conf(n), m.from, m.inc ?? 0, n.term, false)) return;
  n.votes.set(m.from, !m.reject);
  const result = voteResult(conf(n).voters, n.votes);
  const pre = n.role === 'preCandidate';
  if (result === 'won') n.fire({ type: pre ? 'PRE_VOTE_WON' : 'VOTE_WON' });
  else if (result === 'lost') n.fire({ type: pre ? 'PRE_VOTE_LOST' : 'VOTE_LOST' });
}
