/**
 * A follower's messages and tick (etcd's stepFollower, tickElection): appends, heartbeats, snapshot
 * chunks, TimeoutNow, forwarded reads; the election timer (also the (pre-)candidates').
 */
import type { ReceiveResult } from '../snapshot-receiver.js';
import type {
  AppendMessage,
  AppendResponseMessage,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  NodeId,
  SnapshotMessage,
  SnapshotResponseMessage,
} from '../types.js';
import { onConfChanged } from './propose.js';
import { expireForwardedReads, handleReadIndexResp, rejectRead } from './reads.js';
import { onVerdict } from './safeguards.js';
import { drawElectionTimeout, fire, type NodeState, promotable, type RoleHandlers, send } from './state.js';

/** A follower's handlers (etcd's stepFollower / tickElection). */
export const followerHandlers: RoleHandlers = {
  role: 'follower',
  tick: tickElection,
  step: {
    append: (n, m) => {
      followLeader(n, m.from);
      handleAppend(n, m);
    },
    heartbeat: (n, m) => {
      followLeader(n, m.from);
      noteLeaderHeartbeat(n, m);
      handleHeartbeat(n, m);
    },
    snapshot: (n, m) => {
      followLeader(n, m.from);
      handleSnapshot(n, m);
    },
    timeoutNow: (n) => {
      if (promotable(n)) fire(n, { type: 'TIMEOUT_NOW' });
    },
    readIndex: rejectRead,
    readIndexResp: handleReadIndexResp,
    // Anything else is a stale response to a role we no longer have.
  },
};

/** A message of the leader of our term: it is alive, and it is the one we follow. */
function followLeader(n: NodeState, leader: NodeId): void {
  n.electionElapsed = 0;
  n.lead = leader;
}

/** Follower and (pre-)candidate tick: campaign after an election timeout without a leader (true when it did). */
export function tickElection(n: NodeState): boolean {
  n.electionElapsed++;
  expireForwardedReads(n);
  if (promotable(n) && n.electionElapsed >= n.randomizedElectionTimeout) {
    n.electionElapsed = 0;
    fire(n, { type: 'ELECTION_TIMEOUT' });
    return true;
  }
  return false;
}

export function handleAppend(n: NodeState, m: AppendMessage): void {
  if (m.prevIndex < n.log.committed) {
    // Already committed here, so it matches the leader: say how far we are.
    sendAppendResp(n, m.from, { reject: false, index: n.log.committed, hintIndex: 0, hintTerm: 0 });
    return;
  }
  const lastNew = n.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
  if (lastNew !== null) {
    sendAppendResp(n, m.from, { reject: false, index: lastNew, hintIndex: 0, hintTerm: 0 });
    return;
  }
  // Fast backtracking: point the leader at the last entry that can possibly match.
  const probe = Math.min(m.prevIndex, n.log.lastIndex());
  const [hintIndex, hintTerm] = n.log.findConflictByTerm(probe, m.prevTerm);
  sendAppendResp(n, m.from, { reject: true, index: m.prevIndex, hintIndex, hintTerm });
}

export function handleHeartbeat(n: NodeState, m: HeartbeatMessage): void {
  // The leader never sends more than it knows we match; clamp anyway (a lost unsynced tail).
  n.log.commitTo(Math.min(m.commit, n.log.lastIndex()));
  if (m.tick !== undefined) n.clockMeter.onHeartbeat(m.from, m.tick, n.now);
  const clockRate = n.clockMeter.rate(m.from);
  if (m.checkpoint && n.checkpoints.enabled) {
    onVerdict(n, n.checkpoints.recordLeaderConfirmed(m.checkpoint, n.now));
  }
  send<HeartbeatResponseMessage>(n, {
    type: 'heartbeatResp',
    from: n.id,
    to: m.from,
    term: n.term,
    seq: m.seq,
    checkpoint: n.checkpoints.latest(),
    ...(n.quarantineState !== null ? { quarantined: true } : {}),
    ...(n.cfg.priority !== 0 ? { priority: n.cfg.priority } : {}),
    ...(clockRate !== undefined ? { clockRate } : {}),
  });
}

/** Failure detection / adaptive timeouts: a heartbeat of our leader arrived. */
export function noteLeaderHeartbeat(n: NodeState, m: HeartbeatMessage): void {
  if (n.detector.leaderHeartbeat(m.from, m.term, n.now) === null) return;
  if (n.timeouts.onInterArrival(n.detector.interArrivalStats())) {
    // T changed: the running timeout (just restarted by this heartbeat) follows it.
    n.randomizedElectionTimeout = drawElectionTimeout(n);
  }
}

/**
 * One chunk of a snapshot (see snapshot-receiver.ts). The answer names the
 * offset we want next, says the snapshot is installed (`done`), or refuses
 * it (`reject`: bad checksum, too large, invalid metadata; reported in
 * Ready.snapshotRejections, nothing changed).
 */
export function handleSnapshot(n: NodeState, m: SnapshotMessage): void {
  const reply = (r: { nextOffset: number; reject: boolean; done: boolean }) =>
    send<SnapshotResponseMessage>(n, {
      type: 'snapshotResp',
      from: n.id,
      to: m.from,
      term: n.term,
      snapshotIndex: m.meta.index,
      ...r,
    });
  const { index, term } = m.meta;
  if (index <= n.log.committed || n.log.matchTerm(index, term)) {
    // Our log already holds it (a committed prefix, or the same entry: the logs match up to
    // it): nothing to install, at most fast-forward the commit.
    n.receiver.abort();
    if (index > n.log.committed) n.log.commitTo(index);
    reply({ nextOffset: m.totalBytes, reject: false, done: true });
    return;
  }
  const r = n.receiver.accept(m);
  switch (r.kind) {
    case 'progress':
      reply({ nextOffset: r.nextOffset, reject: false, done: false });
      return;
    case 'rejected':
      recordRejection(n, m, r);
      reply({ nextOffset: 0, reject: true, done: false });
      return;
    case 'complete':
      // Verified: only now does anything change. The host persists it, then restores its state machine.
      n.log.restore(r.snapshot);
      n.membership.reset(r.snapshot.meta.conf, index);
      onConfChanged(n);
      n.snapshotsInstalled++;
      reply({ nextOffset: m.totalBytes, reject: false, done: true });
      return;
  }
}

export function recordRejection(
  n: NodeState,
  m: SnapshotMessage,
  r: Extract<ReceiveResult, { kind: 'rejected' }>,
): void {
  n.snapshotsRejected++;
  n.snapshotRejections.push({
    node: n.id,
    from: m.from,
    term: m.term,
    index: m.meta.index,
    snapshotTerm: m.meta.term,
    reason: r.reason,
    totalBytes: m.totalBytes,
    expectedChecksum: m.checksum,
    actualChecksum: r.actualChecksum,
  });
}

export function sendAppendResp(
  n: NodeState,
  to: NodeId,
  r: { reject: boolean; index: number; hintIndex: number; hintTerm: number },
): void {
  send<AppendResponseMessage>(n, {
    type: 'appendResp',
    from: n.id,
    to,
    term: n.term,
    checkpoint: n.checkpoints.latest(),
    ...r,
  });
}
