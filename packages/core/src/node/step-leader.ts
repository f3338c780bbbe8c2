/**
 * A leader's messages and ticks (etcd's stepLeader / tickHeartbeat): acknowledgements, CheckQuorum, leadership transfer.
 */
import { quorumActive } from '../quorum.js';
import type { AppendResponseMessage, HeartbeatResponseMessage, SnapshotResponseMessage } from '../types.js';
import { confirmReads, leaderRead } from './reads.js';
import { broadcastHeartbeat, maybeCommit, sendTimeoutNow } from './replication.js';
import {
  adaptLeaderTimeouts,
  handOverIfQuarantined,
  maybeBindIncarnation,
  maybePriorityTransfer,
  onPeerCheckpoint,
} from './safeguards.js';
import { conf, fire, type NodeState, type RoleHandlers, send } from './state.js';

export function tickLeader(n: NodeState): void {
  n.heartbeatElapsed++;
  if (n.cfg.checkQuorum && !n.bugs.has('lease-without-checkquorum') && !quorumRecentlyActive(n)) {
    fire(n, { type: 'LOST_QUORUM' });
    return;
  }
  if (n.leadTransferee !== null && n.now - n.transferStartTick >= n.cfg.electionTicks) {
    n.leadTransferee = null; // the target did not take over in time: abort, accept proposals again
  }
  for (const pr of n.progress.values()) {
    if (pr.state === 'snapshot' && n.now - pr.snapshotSentTick >= n.cfg.electionTicks) {
      pr.pendingSnapshot = 0; // no answer: assume it was lost and probe again
      pr.becomeProbe();
    }
  }
  adaptLeaderTimeouts(n);
  if (n.quarantineState !== null) handOverIfQuarantined(n);
  else maybePriorityTransfer(n);
  if (n.role !== 'leader') return; // a transfer target that was caught up took over at once
  maybeBindIncarnation(n);
  if (n.heartbeatElapsed >= n.timeouts.heartbeatTicks()) {
    n.heartbeatElapsed = 0;
    broadcastHeartbeat(n);
  }
}

/** CheckQuorum: a quorum of voters (counting us) answered within the last election timeout (adaptive: ours). */
export function quorumRecentlyActive(n: NodeState): boolean {
  const window = n.timeouts.leaderElectionTicks();
  return quorumActive(conf(n).voters, (v) => {
    if (v === n.id) return true;
    const pr = n.progress.get(v);
    return pr !== undefined && n.now - pr.lastContactTick < window;
  });
}

/** A leader's handlers (etcd's stepLeader / tickHeartbeat). */
export const leaderHandlers: RoleHandlers = {
  role: 'leader',
  tick: tickLeader,
  step: {
    appendResp: (n, m) => {
      if (counted(n, m)) handleAppendResp(n, m);
    },
    heartbeatResp: (n, m) => {
      if (counted(n, m)) handleHeartbeatResp(n, m);
    },
    snapshotResp: (n, m) => {
      if (counted(n, m)) handleSnapshotResp(n, m);
    },
    readIndex: (n, m) => leaderRead(n, { ctx: m.ctx, from: m.from, mode: 'readIndex' }),
    // Anything else: stale (pre-)vote responses, or an append from another leader of our term
    // (impossible unless safety is already broken): ignored.
  },
};

/**
 * An acknowledgement from another incarnation than the one we count for this member (a wiped
 * store under its old id) proves nothing about what that member promised: ignored.
 */
function counted(
  n: NodeState,
  m: AppendResponseMessage | HeartbeatResponseMessage | SnapshotResponseMessage,
): boolean {
  return n.identity.counts(conf(n), m.from, m.inc ?? 0, n.term, true);
}

export function handleAppendResp(n: NodeState, m: AppendResponseMessage): void {
  const pr = n.progress.get(m.from);
  if (!pr) return;
  pr.lastContactTick = n.now;
  if (m.checkpoint) onPeerCheckpoint(n, m.from, m.checkpoint);
  if (m.reject) {
    let next = m.hintIndex;
    if (m.hintTerm > 0) next = n.log.findConflictByTerm(m.hintIndex, m.hintTerm)[0];
    if (pr.maybeDecrTo(m.index, next)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      pr.forceSend = true;
    }
    return;
  }
  if (m.index > n.log.lastIndex()) return; // cannot match entries we do not have
  // A probe answered at the match we already know (as right after a snapshot completed) also shows
  // the follower is in step with us: replicate (etcd does the same), rather than wait in probe, one
  // append in flight, until a later append raises the match.
  const inStep = pr.state === 'probe' && m.index === pr.match;
  if (!pr.maybeUpdate(m.index) && !inStep) return;
  if (pr.state === 'probe') pr.becomeReplicate();
  else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeReplicate();
  else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);
  maybeCommit(n);
  if (m.from === n.leadTransferee && pr.match === n.log.lastIndex()) sendTimeoutNow(n, m.from);
}

export function handleHeartbeatResp(n: NodeState, m: HeartbeatResponseMessage): void {
  const pr = n.progress.get(m.from);
  if (!pr) return;
  pr.lastContactTick = n.now;
  pr.probeSent = false;
  n.detector.roundAcked(m.from, m.seq, n.now);
  n.peerPriorities.set(m.from, m.priority ?? 0);
  if (m.quarantined === true) n.peerQuarantined.add(m.from);
  else n.peerQuarantined.delete(m.from);
  if (m.clockRate !== undefined) n.clockJudge.onReport(m.from, m.clockRate, n.now, n.term);
  if (m.checkpoint) onPeerCheckpoint(n, m.from, m.checkpoint);
  // The follower answered a heartbeat sent after our last append to it without
  // acknowledging that append: it was probably lost. Resend (even if empty,
  // which makes the follower tell us where it stands).
  if (pr.match < n.log.lastIndex() && (pr.state === 'probe' || m.seq > pr.lastAppendRound)) {
    if (pr.inflights.full()) pr.inflights.freeFirstOne();
    pr.forceSend = true;
  }
  const t = pr.transfer;
  if (pr.state === 'snapshot' && t !== null && t.inFlight && m.seq > t.sentRound) {
    // A heartbeat sent after our last chunk was answered, the chunk was not: it (or its
    // answer) was lost. Send it again; the follower says where it stands.
    t.inFlight = false;
    send(n, t.nextChunk(n.id, m.from, n.term, n.reads.lastRound));
  }
  if (m.seq > pr.ackedRound) {
    pr.ackedRound = m.seq;
    if (!pr.isLearner) confirmReads(n);
  }
}

export function handleSnapshotResp(n: NodeState, m: SnapshotResponseMessage): void {
  const pr = n.progress.get(m.from);
  if (!pr) return;
  pr.lastContactTick = n.now;
  const t = pr.transfer;
  if (pr.state !== 'snapshot' || t === null || m.snapshotIndex !== t.index) return; // stale answer
  pr.snapshotSentTick = n.now; // the transfer is alive: its silence timeout restarts
  if (m.reject) {
    // Refused (the follower reported why). Probe again, and start a new transfer only
    // after an election timeout: a snapshot that is bad at the source is not resent in a loop.
    pr.pendingSnapshot = 0;
    pr.becomeProbe();
    pr.probeSent = true;
    pr.snapshotRetryTick = n.now + n.cfg.electionTicks;
    return;
  }
  if (m.done) {
    // Installed: normal replication resumes right after the snapshot's index.
    pr.maybeUpdate(Math.min(m.snapshotIndex, n.log.lastIndex()));
    pr.becomeProbe();
    pr.forceSend = true;
    maybeCommit(n);
    return;
  }
  if (t.onProgress(m.nextOffset)) send(n, t.nextChunk(n.id, m.from, n.term, n.reads.lastRound));
}
