/**
 * Linearizable reads: ReadIndex and lease reads on the leader, reads forwarded by followers.
 */
import { ConfigError, InvalidArgumentError } from '../errors.js';
import { quorumValue } from '../quorum.js';
import type { ReadRequest } from '../read-only.js';
import { leaseReadsAllowed } from '../resolved-config.js';
import type { DropReason, NodeId, ReadIndexMessage, ReadIndexResponseMessage, ReadMode } from '../types.js';
import { conf, type NodeState, send } from './state.js';

export function readIndex(n: NodeState, ctx: number, mode?: ReadMode): void {
  if (typeof ctx !== 'number' || !Number.isFinite(ctx))
    throw new InvalidArgumentError('ctx must be a finite number');
  const m = mode ?? n.cfg.readMode;
  if (m !== 'readIndex' && m !== 'lease') throw new InvalidArgumentError(`unknown read mode ${String(m)}`);
  if (m === 'lease' && !leaseConfigured(n)) {
    throw new ConfigError('lease reads require checkQuorum and leaderStickiness');
  }
  if (n.quarantineState !== null) {
    // Our applied state is not trusted: a read served here could return anything.
    const hint = n.role === 'leader' ? n.leadTransferee : n.lead;
    n.readStates.push({ ctx, status: 'dropped', reason: 'quarantined', leaderHint: hint });
    return;
  }
  if (n.role === 'leader') {
    leaderRead(n, { ctx, from: null, mode: m });
    return;
  }
  if (n.role !== 'follower' || n.lead === null) {
    n.readStates.push({ ctx, status: 'dropped', reason: 'notLeader', leaderHint: n.lead });
    return;
  }
  const fid = n.nextForwardId++;
  n.forwardedReads.set(fid, { ctx, sentTick: n.now });
  send<ReadIndexMessage>(n, {
    type: 'readIndex',
    from: n.id,
    to: n.lead,
    term: n.term,
    ctx: fid,
  });
}

export function leaseConfigured(n: NodeState): boolean {
  return leaseReadsAllowed(n.cfg) || n.bugs.has('lease-without-checkquorum');
}

export function leaseValid(n: NodeState): boolean {
  if (n.role !== 'leader' || n.leaseUntil === null || n.leadTransferee !== null) return false;
  if (n.quarantineState !== null) return false;
  // Injected bug 'lease-without-checkquorum': the lease never lapses.
  if (n.bugs.has('lease-without-checkquorum')) return true;
  return leaseReadsAllowed(n.cfg) && n.now < n.leaseUntil;
}

export function leaderRead(n: NodeState, req: ReadRequest): void {
  if (n.quarantineState !== null) {
    dropRead(n, req, 'quarantined', n.leadTransferee);
    return;
  }
  if (!n.committedInTerm) {
    // Until an entry of our term commits, our commit index may be behind the real one.
    n.reads.defer(req);
    return;
  }
  const index = n.log.committed;
  if (conf(n).voters.length === 1 && conf(n).voters[0] === n.id) {
    answerRead(n, req, index, 'readIndex');
  } else if (req.from === null && req.mode === 'lease' && leaseValid(n)) {
    answerRead(n, req, index, 'lease');
  } else {
    n.reads.enqueue(req, index);
  }
}

/**
 * A heartbeat round was acknowledged by more voters: release reads it
 * confirms, extend the lease. ReadIndex counts every voter's
 * acknowledgement (it proves only that no newer leader existed). The lease
 * counts only peers it may trust: a peer that says it is quarantined or
 * whose checkpoint diverged acknowledges as if it had not (round 0), so
 * the lease needs a majority of ALL voters among the rest; a quarantined
 * leader holds no lease at all.
 */
export function confirmReads(n: NodeState): void {
  const voters = conf(n).voters;
  const acked = (v: NodeId): number =>
    v === n.id ? n.reads.lastRound : (n.progress.get(v)?.ackedRound ?? 0);
  const q = quorumValue(voters, acked);
  if (q === 0) return;
  const leaseRound =
    n.quarantineState !== null
      ? 0
      : quorumValue(voters, (v) => (v === n.id || leaseTrusts(n, v) ? acked(v) : 0));
  const leaseSentAt = leaseRound > 0 ? n.reads.sentAt(leaseRound) : undefined;
  const { released } = n.reads.confirm(q, leaseRound > 0 ? leaseRound : q);
  if (leaseSentAt !== undefined) {
    // Followers that acknowledged the round refuse votes for at least the lease basis
    // (fixed: electionTicks; adaptive: minElectionTicks) after they received it (>= when
    // we sent it); minus the clock-drift bound.
    const until = leaseSentAt + n.timeouts.leaseTicks();
    if (n.leaseUntil === null || until > n.leaseUntil) n.leaseUntil = until;
  }
  for (const r of released) answerRead(n, r, r.index, 'readIndex');
}

/**
 * Whether `peer`'s acknowledgements may extend our lease: not quarantined (it
 * says), not diverged (we found), and (clock-rate check) it measured our clock
 * running within the lease's bound of its own, recently.
 */
export function leaseTrusts(n: NodeState, peer: NodeId): boolean {
  return (
    !n.peerQuarantined.has(peer) &&
    n.checkpoints.peerState(peer, n.log.applied, n.now) !== 'diverged' &&
    (!clockChecked(n) || n.bugs.has('ignore-clock-rate') || n.clockJudge.trusts(peer, n.now))
  );
}

/** Leases rely on measured clock rates: lease reads configured and the check on (the lease bug checks nothing). */
export function clockChecked(n: NodeState): boolean {
  return n.cfg.clockRateCheck && leaseReadsAllowed(n.cfg) && !n.bugs.has('lease-without-checkquorum');
}

export function answerRead(n: NodeState, req: ReadRequest, index: number, mode: ReadMode): void {
  if (req.from === null) n.readStates.push({ ctx: req.ctx, status: 'ready', index, mode });
  else replyToForwardedRead(n, req.from, req.ctx, false, index);
}

export function dropRead(
  n: NodeState,
  req: ReadRequest,
  reason: DropReason,
  leaderHint: NodeId | null,
): void {
  if (req.from === null) n.readStates.push({ ctx: req.ctx, status: 'dropped', reason, leaderHint });
  else replyToForwardedRead(n, req.from, req.ctx, true, 0);
}

/** Answer to a follower's forwarded read: its read point, or a rejection (it drops the read). */
function replyToForwardedRead(n: NodeState, to: NodeId, ctx: number, reject: boolean, index: number): void {
  send<ReadIndexResponseMessage>(n, {
    type: 'readIndexResp',
    from: n.id,
    to,
    term: n.term,
    ctx,
    reject,
    index,
  });
}

export function rejectRead(n: NodeState, m: ReadIndexMessage): void {
  replyToForwardedRead(n, m.from, m.ctx, true, 0);
}

export function handleReadIndexResp(n: NodeState, m: ReadIndexResponseMessage): void {
  const f = n.forwardedReads.get(m.ctx);
  if (!f) return;
  n.forwardedReads.delete(m.ctx);
  if (m.reject) {
    const hint = n.lead !== m.from ? n.lead : null;
    n.readStates.push({ ctx: f.ctx, status: 'dropped', reason: 'notLeader', leaderHint: hint });
  } else {
    n.readStates.push({ ctx: f.ctx, status: 'ready', index: m.index, mode: 'readIndex' });
  }
}

export function expireForwardedReads(n: NodeState): void {
  if (n.forwardedReads.size === 0) return;
  for (const [fid, f] of n.forwardedReads) {
    if (n.now - f.sentTick >= n.cfg.electionTicks) {
      n.forwardedReads.delete(fid);
      n.readStates.push({ ctx: f.ctx, status: 'dropped', reason: 'timeout', leaderHint: n.lead });
    }
  }
}

export function dropForwardedReads(n: NodeState, reason: DropReason): void {
  if (n.forwardedReads.size === 0) return;
  for (const f of n.forwardedReads.values()) {
    n.readStates.push({ ctx: f.ctx, status: 'dropped', reason, leaderHint: null });
  }
  n.forwardedReads.clear();
}
