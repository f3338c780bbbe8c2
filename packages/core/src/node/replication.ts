/**
 * Leader replication: commit, appends, snapshots and heartbeats to followers.
 */
import { CompactedError, InvalidArgumentError, NotLeaderError } from '../errors.js';
import { Progress } from '../progress.js';
import { quorumValue } from '../quorum.js';
import { OutgoingSnapshot } from '../snapshot-sender.js';
import type { AppendMessage, Entry, HeartbeatMessage, NodeId } from '../types.js';
import { clockChecked, leaderRead } from './reads.js';
import { conf, fire, type NodeState, send } from './state.js';

/** Commit by counting replicas, but only entries of the current term (§5.4.2, Figure 8). */
export function maybeCommit(n: NodeState): boolean {
  const last = n.log.lastIndex();
  const mci = quorumValue(conf(n).voters, (v) => (v === n.id ? last : (n.progress.get(v)?.match ?? 0)));
  if (mci <= n.log.committed) return false;
  // Injected bug 'commit-old-term' skips the term check: the Figure 8 bug.
  if (!n.bugs.has('commit-old-term') && n.log.term(mci) !== n.term) return false;
  n.log.commitTo(mci);
  n.proposals.commitUpTo(mci, n.outcomes);
  if (!n.committedInTerm && n.log.term(mci) === n.term) {
    n.committedInTerm = true;
    for (const r of n.reads.takeDeferred()) leaderRead(n, r);
  }
  // A leader that removed itself kept leading (without counting itself) until the change committed.
  if (!conf(n).voters.includes(n.id) && mci >= n.membership.lastChangeIndex) stepDownRemoved(n);
  return true;
}

/**
 * Build the append messages the followers need, now that this Ready's
 * entries and acknowledgements are known: many proposals share a message,
 * probes go one per round trip, replication pipelines up to the window.
 */
export function flushAppends(n: NodeState): void {
  for (const [to, pr] of n.progress) sendAppends(n, to, pr);
}

export function sendAppends(n: NodeState, to: NodeId, pr: Progress): void {
  let force = pr.forceSend;
  pr.forceSend = false;
  for (;;) {
    if (pr.state === 'snapshot' || pr.isPaused()) return;
    const prevIndex = pr.next - 1;
    const last = n.log.lastIndex();
    let prevTerm: number;
    let entries: Entry[];
    try {
      prevTerm = n.log.term(prevIndex);
      entries =
        pr.next <= last ? n.log.slice(pr.next, last + 1, n.cfg.maxBytesPerMsg, n.cfg.maxEntriesPerMsg) : [];
    } catch (e) {
      if (e instanceof CompactedError) {
        sendSnapshot(n, to, pr);
        return;
      }
      throw e;
    }
    if (entries.length === 0 && !force && !pr.canBumpCommit(n.log.committed)) return;
    force = false;
    const commit = n.log.committed;
    send<AppendMessage>(n, {
      type: 'append',
      from: n.id,
      to,
      term: n.term,
      prevIndex,
      prevTerm,
      entries,
      commit,
    });
    pr.sentCommit = commit;
    pr.lastAppendRound = n.reads.lastRound;
    pr.sentEntries(entries.length, prevIndex + entries.length);
    if (entries.length === 0) return;
  }
}

/**
 * The follower needs entries we compacted: start sending the latest
 * snapshot in chunks (`snapshotChunkBytes`), one in flight at a time; the
 * follower's answers drive the rest (handleSnapshotResp).
 */
export function sendSnapshot(n: NodeState, to: NodeId, pr: Progress): void {
  if (n.now - pr.lastContactTick >= n.cfg.electionTicks) return; // not worth it for a silent peer
  if (n.now < pr.snapshotRetryTick) return; // it refused the last one: back off
  const snap = n.log.snapshot();
  if (!snap) return; // storage compacted without a snapshot: nothing we can send (host bug)
  const transfer = new OutgoingSnapshot(snap, n.cfg.snapshotChunkBytes);
  pr.becomeSnapshot(transfer, n.now);
  send(n, transfer.nextChunk(n.id, to, n.term, n.reads.lastRound));
}

export function broadcastHeartbeat(n: NodeState): void {
  const round = n.reads.startRound(n.now);
  n.detector.roundSent(round, n.now);
  // A quorum-confirmed checkpoint (never merely ours): followers check themselves against it.
  const cp = n.checkpoints.latestConfirmed();
  // Our tick, so followers can measure our clock's rate (only where a lease depends on it).
  const leaseTick = clockChecked(n) ? n.now : undefined;
  for (const [to, pr] of n.progress) {
    send<HeartbeatMessage>(n, {
      type: 'heartbeat',
      from: n.id,
      to,
      term: n.term,
      // Never more than the follower is known to match: it must not commit a divergent entry.
      commit: Math.min(pr.match, n.log.committed),
      seq: round,
      ...(cp !== null ? { checkpoint: cp } : {}),
      ...(leaseTick !== undefined ? { tick: leaseTick } : {}),
    });
  }
}

/** Leader: track exactly the members of the configuration in force (new ones start probing). */
export function syncProgress(n: NodeState): void {
  const want = new Map<NodeId, boolean>();
  for (const v of conf(n).voters) if (v !== n.id) want.set(v, false);
  for (const l of conf(n).learners) if (l !== n.id) want.set(l, true);
  for (const id of [...n.progress.keys()]) if (!want.has(id)) n.progress.delete(id);
  const last = n.log.lastIndex();
  for (const [id, isLearner] of want) {
    const pr = n.progress.get(id);
    if (pr) pr.isLearner = isLearner;
    else n.progress.set(id, new Progress(id, last, n.cfg.maxInflightMsgs, isLearner, n.now));
  }
}

/** The leader's own removal committed: hand over to a caught-up voter if there is one, then step down. */
export function stepDownRemoved(n: NodeState): void {
  const last = n.log.lastIndex();
  const successor = conf(n).voters.find((v) => n.progress.get(v)?.match === last);
  if (successor !== undefined) sendTimeoutNow(n, successor);
  fire(n, { type: 'REMOVED' });
}

export function transferLeadership(n: NodeState, to: NodeId): void {
  if (n.role !== 'leader') throw new NotLeaderError(`${n.id} is not the leader`, n.lead);
  if (to === n.id) return;
  if (!conf(n).voters.includes(to))
    throw new InvalidArgumentError(`cannot transfer leadership to non-voter ${to}`);
  if (n.leadTransferee === to) return;
  n.leadTransferee = to;
  n.transferStartTick = n.now;
  const pr = n.progress.get(to);
  if (pr && pr.match === n.log.lastIndex()) sendTimeoutNow(n, to);
  else if (pr) pr.forceSend = true;
}

export function sendTimeoutNow(n: NodeState, to: NodeId): void {
  send(n, { type: 'timeoutNow', from: n.id, to, term: n.term });
}
