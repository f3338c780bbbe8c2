/**
 * Entry of every received message (etcd's `raft.Step`): term checks, (pre-)vote requests, then the
 * role's handler for the message type (the table the role chart installed, roles.ts).
 */
import { validateMessage } from '../message-validation.js';
import type { Message, VoteMessage, VoteResponseMessage } from '../types.js';
import { rejectRead } from './reads.js';
import { conf, fire, type NodeState, type StepHandler, send } from './state.js';
import { sendAppendResp } from './step-follower.js';

export function step(n: NodeState, msg: Message): void {
  validateMessage(msg, n.id);
  if ((msg.type === 'vote' || msg.type === 'preVote') && ignoresCandidate(n, msg)) return;
  if (conf(n).voters.includes(msg.from) || conf(n).learners.includes(msg.from)) {
    n.detector.heard(msg.from, n.now); // failure detection; strangers would grow it without bound
  }
  if (msg.term > n.term) {
    if ((msg.type === 'vote' || msg.type === 'preVote') && !msg.transfer && leaderIsLive(n)) {
      // Leader stickiness: we heard from a live leader within the election timeout.
      return;
    }
    if (msg.type === 'preVote' || (msg.type === 'preVoteResp' && !msg.reject)) {
      // Pre-votes never change terms; a granted pre-vote carries the term the candidate will use.
    } else if (n.role === 'leader' && msg.type === 'vote' && msg.from === n.leadTransferee) {
      fire(n, { type: 'TRANSFERRED', term: msg.term });
    } else {
      const fromLeader = msg.type === 'append' || msg.type === 'heartbeat' || msg.type === 'snapshot';
      fire(n, { type: 'HIGHER_TERM', term: msg.term, leader: fromLeader ? msg.from : null });
    }
  } else if (msg.term < n.term) {
    answerStaleTerm(n, msg);
    return;
  }

  if (msg.type === 'vote' || msg.type === 'preVote') {
    handleVoteRequest(n, msg);
    return;
  }
  // The role's handler for this message type (none: the role ignores it).
  const handle = n.handlers.step[msg.type] as StepHandler<Message['type']> | undefined;
  if (handle !== undefined) handle(n, msg);
}

/**
 * Leader stickiness: refuse (pre-)votes while a leader is known to be alive,
 * i.e. heard within our base election timeout (adaptive: >= minElectionTicks,
 * which the lease relies on).
 */
export function leaderIsLive(n: NodeState): boolean {
  if (!n.cfg.leaderStickiness || n.bugs.has('no-prevote-stickiness')) return false;
  if (n.role === 'leader' || n.now < n.restartStickyUntil) return true;
  return n.lead !== null && n.electionElapsed < n.timeouts.followerElectionTicks();
}

/**
 * A message from an older term. Mostly ignored, but a stale leader must
 * learn it is stale: with CheckQuorum or Pre-Vote a node that saw a higher
 * term may never campaign successfully again to tell it, so answer its
 * appends/heartbeats with our term (etcd's rule). Pre-votes get a rejection.
 */
export function answerStaleTerm(n: NodeState, msg: Message): void {
  if ((n.cfg.checkQuorum || n.cfg.preVote) && (msg.type === 'append' || msg.type === 'heartbeat')) {
    sendAppendResp(n, msg.from, { reject: false, index: 0, hintIndex: 0, hintTerm: 0 });
  } else if (msg.type === 'preVote') {
    send<VoteResponseMessage>(n, {
      type: 'preVoteResp',
      from: n.id,
      to: msg.from,
      term: n.term,
      reject: true,
    });
  } else if (msg.type === 'readIndex') {
    rejectRead(n, msg);
  }
}

/**
 * A (pre-)vote request from a node that is not a voter of our configuration,
 * or speaks under another incarnation than the one it binds, is ignored
 * entirely (no vote, no term bump): a removed node that keeps campaigning,
 * or a wiped one under its old id, cannot disrupt us. Unless its log is
 * strictly ahead of ours: then our configuration may be the stale one (it
 * may hold the entry that made the candidate a voter), and ignoring it could
 * block every election; the usual checks apply (stickiness, log, one vote
 * per term). Granting is always safe: what makes a vote count is the
 * candidate's configuration, checked when it counts (`handleVoteResp`).
 */
export function ignoresCandidate(n: NodeState, m: VoteMessage): boolean {
  const stranger =
    !conf(n).voters.includes(m.from) || !n.identity.counts(conf(n), m.from, m.inc ?? 0, m.term, false);
  return stranger && !n.log.isAhead(m.lastIndex, m.lastTerm);
}

export function handleVoteRequest(n: NodeState, m: VoteMessage): void {
  const isPre = m.type === 'preVote';
  const respType = isPre ? 'preVoteResp' : 'voteResp';
  const canVote = n.vote === m.from || (n.vote === null && n.lead === null) || (isPre && m.term > n.term);
  const logOk = (isPre && n.bugs.has('no-prevote-stickiness')) || n.log.isUpToDate(m.lastIndex, m.lastTerm);
  if (canVote && logOk) {
    // A granted pre-vote answers with the candidate's future term, so it is not mistaken for a stale reply.
    send<VoteResponseMessage>(n, {
      type: respType,
      from: n.id,
      to: m.from,
      term: m.term,
      reject: false,
    });
    if (!isPre) {
      n.electionElapsed = 0;
      n.vote = m.from;
    }
  } else {
    send<VoteResponseMessage>(n, {
      type: respType,
      from: n.id,
      to: m.from,
      term: n.term,
      reject: true,
    });
  }
}
