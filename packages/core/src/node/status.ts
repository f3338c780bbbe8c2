/**
 * `status()`: a read-only view of the node for hosts and tests.
 */
import { RATE_SCALE } from '../clock-rate.js';
import { copyConf } from '../conf-state.js';
import type { NodeStatus, PeerProgress } from '../types.js';
import { clockChecked, leaseConfigured } from './reads.js';
import { knownPriorities, livenessView, timeoutStatus } from './safeguards.js';
import { conf, type NodeState, pendingConfIndex } from './state.js';

export function status(n: NodeState): NodeStatus {
  const progress: PeerProgress[] = [];
  if (n.role === 'leader') {
    const last = n.log.lastIndex();
    progress.push({
      id: n.id,
      match: last,
      next: last + 1,
      state: 'replicate',
      inflight: 0,
      recentActive: true,
      isLearner: conf(n).learners.includes(n.id),
    });
    for (const pr of n.progress.values()) progress.push(pr.view(n.now, n.cfg.electionTicks));
  }
  return {
    id: n.id,
    role: n.role,
    term: n.term,
    vote: n.vote,
    leader: n.lead,
    commitIndex: n.log.committed,
    appliedIndex: n.log.applied,
    lastIndex: n.log.lastIndex(),
    firstIndex: n.log.firstIndex(),
    leaseUntilTick: n.role === 'leader' && leaseConfigured(n) ? n.leaseUntil : null,
    tick: n.now,
    conf: copyConf(conf(n)),
    progress,
    transferee: n.leadTransferee,
    pendingConfIndex: pendingConfIndex(n),
    snapshotsInstalled: n.snapshotsInstalled,
    snapshotsRejected: n.snapshotsRejected,
    incomingSnapshot: n.receiver.status(),
    checkpoints: n.checkpoints.status(
      n.role === 'leader' ? [...n.progress.keys()] : [],
      n.log.applied,
      n.now,
    ),
    quarantine: n.quarantineState,
    liveness: livenessView(n),
    timeouts: timeoutStatus(n),
    priority: n.cfg.priority,
    priorities: knownPriorities(n),
    incarnation: n.cfg.incarnation,
    identityConflicts: n.identity.current(),
    clock: {
      checked: clockChecked(n),
      minRate: n.clockJudge.minRate / RATE_SCALE,
      maxRate: n.clockJudge.maxRate / RATE_SCALE,
      rates: n.clockJudge.view(),
    },
  };
}
