/**
 * Split-brain safeguards over the node state: checkpoints and quarantine, leader priority, adaptive timeouts and failure detection, identity binding.
 */
import { gapBound, trustedGapBound } from '../adaptive-timeouts.js';
import { type CheckpointVerdict, isCheckpointIndex } from '../checkpoints.js';
import { MAX_HASH_LENGTH } from '../codec.js';
import { applyConfChange, encodeConfChange } from '../conf-change.js';
import { InvalidArgumentError, UsageError } from '../errors.js';
import { classifyContact } from '../failure-detector.js';
import { bestTransferCandidate, type TransferCandidate } from '../leader-priority.js';
import type { Health } from '../peer-health.js';
import {
  type Checkpoint,
  type ConfChange,
  EntryType,
  type NodeId,
  type PeerLiveness,
  type QuarantineStatus,
  type TimeoutStatus,
} from '../types.js';
import { dropForwardedReads, dropRead } from './reads.js';
import { maybeCommit, transferLeadership } from './replication.js';
import { conf, drawElectionTimeout, type NodeState, pendingConfIndex } from './state.js';

export function checkpointDue(n: NodeState, index: number): boolean {
  return isCheckpointIndex(index, n.cfg.checkpointInterval);
}

export function reportCheckpoint(n: NodeState, index: number, hash: string): void {
  if (!n.checkpoints.enabled) throw new UsageError('checkpoints are disabled (checkpointInterval is 0)');
  if (!isCheckpointIndex(index, n.cfg.checkpointInterval)) {
    throw new InvalidArgumentError(
      `checkpoint index ${String(index)} is not a positive multiple of checkpointInterval ${n.cfg.checkpointInterval}`,
    );
  }
  if (index > n.log.applying) {
    throw new InvalidArgumentError(`checkpoint index ${index} was not handed out for applying yet`);
  }
  if (typeof hash !== 'string' || hash.length === 0 || hash.length > MAX_HASH_LENGTH) {
    throw new InvalidArgumentError(
      `checkpoint hash must be a non-empty string of at most ${MAX_HASH_LENGTH} chars`,
    );
  }
  const voters = n.role === 'leader' ? conf(n).voters : null;
  onVerdict(n, n.checkpoints.recordOwn(index, hash, n.now, voters));
}

export function quarantine(n: NodeState, reason: string): void {
  if (typeof reason !== 'string') throw new InvalidArgumentError('quarantine reason must be a string');
  enterQuarantine(n, { kind: 'host', reason, sinceTick: n.now, divergence: null });
}

export function releaseQuarantine(n: NodeState): void {
  if (n.quarantineState === null) return;
  n.quarantineState = null;
  if (n.role !== 'leader') n.randomizedElectionTimeout = drawElectionTimeout(n); // no extra wait any more
}

export function onPeerCheckpoint(n: NodeState, from: NodeId, cp: Checkpoint): void {
  if (!n.checkpoints.enabled) return;
  onVerdict(n, n.checkpoints.recordPeer(from, cp, n.now, conf(n).voters));
}

/** Report what a checkpoint comparison found; quarantine ourselves if our own state diverged. */
export function onVerdict(n: NodeState, v: CheckpointVerdict): void {
  if (v.divergences.length > 0) n.divergences.push(...v.divergences);
  const d = v.selfDiverged;
  if (d !== null) {
    enterQuarantine(n, {
      kind: 'diverged',
      reason: `state hash ${d.actual} at index ${d.index} differs from the quorum's ${d.expected}`,
      sinceTick: n.now,
      divergence: d,
    });
    return;
  }
  // A later checkpoint matching a quorum-confirmed hash shows the state is whole again (repaired).
  const q = n.quarantineState;
  if (v.selfVerified !== null && q?.kind === 'diverged' && v.selfVerified > (q.divergence?.index ?? 0)) {
    n.quarantineState = null;
  }
}

export function enterQuarantine(n: NodeState, q: QuarantineStatus): void {
  const was = n.quarantineState;
  if (was?.kind === 'host' && q.kind === 'diverged') return; // the host's quarantine stands until it ends it
  n.quarantineState = q;
  if (was !== null) return;
  n.leaseUntil = null;
  // Reads waiting here would be served from a state we no longer trust.
  for (const r of n.reads.dropPending()) dropRead(n, r, 'quarantined', null);
  dropForwardedReads(n, 'quarantined');
  if (n.role === 'leader') handOverIfQuarantined(n);
  else n.randomizedElectionTimeout = drawElectionTimeout(n); // now with the quarantine's extra wait
}

/** A quarantined leader hands over to the best eligible voter, whatever its priority. */
export function handOverIfQuarantined(n: NodeState): void {
  if (n.leadTransferee !== null) return;
  const best = bestTransferCandidate(transferCandidates(n), null);
  if (best !== null) transferLeadership(n, best.id);
}

/** Leader priority: hand over to an eligible voter of strictly higher priority once it stayed best long enough. */
export function maybePriorityTransfer(n: NodeState): void {
  if (!n.committedInTerm || n.leadTransferee !== null || !conf(n).voters.includes(n.id)) return;
  let higher = false;
  for (const p of n.peerPriorities.values()) if (p > n.cfg.priority) higher = true;
  const best = higher ? bestTransferCandidate(transferCandidates(n), n.cfg.priority) : null;
  const to = n.priorityPolicy.step(best?.id ?? null, n.now);
  if (to !== null) transferLeadership(n, to);
}

export function transferCandidates(n: NodeState): TransferCandidate[] {
  const out: TransferCandidate[] = [];
  for (const [id, pr] of n.progress) {
    const eligible =
      conf(n).voters.includes(id) &&
      !pr.isLearner &&
      pr.state === 'replicate' &&
      pr.match >= n.log.committed &&
      peerHealth(n, id) === 'healthy' &&
      !n.peerQuarantined.has(id) &&
      n.checkpoints.peerState(id, n.log.applied, n.now) !== 'diverged';
    out.push({ id, priority: n.peerPriorities.get(id) ?? 0, eligible, match: pr.match });
  }
  return out;
}

/** Adaptive timeouts, leader side: follow the voters' heartbeat round trips. */
export function adaptLeaderTimeouts(n: NodeState): void {
  if (!n.timeouts.adaptive) return;
  const k = n.cfg.adaptiveDeviationFactor;
  const bounds: (number | null)[] = [];
  for (const v of conf(n).voters) {
    if (v !== n.id) bounds.push(trustedGapBound(n.detector.roundTripStats(v), k));
  }
  n.timeouts.onRoundTrips(conf(n).voters.includes(n.id), bounds);
}

/**
 * Health of a peer we expect to hear from regularly: `healthy` within the
 * expected gap (leader: heartbeat interval + round-trip bound; follower:
 * inter-arrival bound; at least two heartbeat intervals), `suspect` after,
 * `down` after the election timeout in force (or never heard).
 */
export function peerHealth(n: NodeState, id: NodeId): Health {
  const k = n.cfg.adaptiveDeviationFactor;
  let suspectAfter: number;
  let downAfter: number;
  if (n.role === 'leader') {
    const hb = n.timeouts.heartbeatTicks();
    const b = gapBound(n.detector.roundTripStats(id), k) ?? 0;
    suspectAfter = Math.max(2 * hb, hb + Math.ceil(b));
    downAfter = n.timeouts.leaderElectionTicks();
  } else {
    const g = gapBound(n.detector.interArrivalStats(), k);
    suspectAfter = Math.max(2 * n.cfg.heartbeatTicks, g === null ? 0 : Math.ceil(g));
    downAfter = n.timeouts.followerElectionTicks();
  }
  return classifyContact(n.detector.lastContact(id), n.now, suspectAfter, downAfter);
}

export function livenessView(n: NodeState): PeerLiveness[] {
  if (n.role === 'leader') {
    return [...n.progress.keys()].map((id) => ({
      id,
      lastContactTick: n.detector.lastContact(id),
      health: peerHealth(n, id),
      samples: 'roundTrip' as const,
      rtt: n.detector.roundTripStats(id),
    }));
  }
  if (n.lead === null || n.lead === n.id) return [];
  return [
    {
      id: n.lead,
      lastContactTick: n.detector.lastContact(n.lead),
      health: peerHealth(n, n.lead),
      samples: 'interArrival',
      rtt: n.detector.interArrivalStats(),
    },
  ];
}

export function timeoutStatus(n: NodeState): TimeoutStatus {
  return {
    mode: n.cfg.timeouts,
    electionTicks:
      n.role === 'leader' ? n.timeouts.leaderElectionTicks() : n.timeouts.followerElectionTicks(),
    heartbeatTicks: n.timeouts.heartbeatTicks(),
    randomizedElectionTicks: n.randomizedElectionTimeout,
    leaseTicks: n.timeouts.leaseTicks(),
  };
}

export function knownPriorities(n: NodeState): Record<NodeId, number> {
  const out: Record<NodeId, number> = {};
  for (const [id, p] of n.peerPriorities) out[id] = p;
  out[n.id] = n.cfg.priority;
  return out;
}

/**
 * Record the incarnation of an unbound member (own, or first heard this
 * term) in the log, one `bind` change at a time, as soon as a change may be
 * proposed: from then on every node counts only that incarnation for it.
 */
export function maybeBindIncarnation(n: NodeState): void {
  if (!n.committedInTerm || n.leadTransferee !== null || pendingConfIndex(n) !== 0) return;
  const b = n.identity.nextBinding(conf(n), n.cfg.incarnation);
  if (b === null) return;
  const change: ConfChange = { type: 'bind', node: b.node, incarnation: b.incarnation };
  const index = n.log.lastIndex() + 1;
  const data = encodeConfChange({ change, conf: applyConfChange(conf(n), change) });
  n.log.append([{ index, term: n.term, type: EntryType.ConfChange, data }]);
  maybeCommit(n);
}
