/**
 * Proposals: normal entries and membership changes, and what follows a change of the configuration in force.
 */
import { applyConfChange, encodeConfChange, validateConfChange } from '../conf-change.js';
import { InvalidArgumentError } from '../errors.js';
import { ProposalTracker } from '../proposals.js';
import {
  type ConfChange,
  type ConfState,
  type DropReason,
  type Entry,
  EntryType,
  type NodeId,
} from '../types.js';
import { maybeCommit, syncProgress } from './replication.js';
import { conf, type NodeState, pendingConfIndex } from './state.js';

export function propose(n: NodeState, data: Uint8Array): number {
  if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('propose() takes a Uint8Array');
  const id = n.proposals.newId();
  if (data.byteLength > n.cfg.maxProposalBytes) {
    n.outcomes.push(ProposalTracker.dropped(id, 'tooLarge', null));
  } else if (n.role !== 'leader') {
    n.outcomes.push(ProposalTracker.dropped(id, 'notLeader', n.lead));
  } else if (n.leadTransferee !== null) {
    n.outcomes.push(ProposalTracker.dropped(id, 'transferring', n.leadTransferee));
  } else {
    const index = n.log.lastIndex() + 1;
    n.log.append([{ index, term: n.term, type: EntryType.Normal, data }]);
    n.proposals.track(id, index, n.term);
    maybeCommit(n); // a single voter commits at once
  }
  return id;
}

export function proposeConfChange(n: NodeState, change: ConfChange): number {
  validateConfChange(change);
  let reason: DropReason | null = null;
  let next: ConfState | null = null;
  if (n.role !== 'leader') reason = 'notLeader';
  else if (n.leadTransferee !== null) reason = 'transferring';
  else if (pendingConfIndex(n) !== 0) reason = 'confChangePending';
  // Injected bug 'membership-no-current-term-commit' skips the safety rule below.
  else if (!n.committedInTerm && !n.bugs.has('membership-no-current-term-commit')) {
    // An older leader may have appended a change we do not know about; until an entry of
    // our term commits, a change of ours could form a majority disjoint from its (thesis 4.1 fix).
    reason = 'leaderNotReady';
  } else {
    next = applyConfChange(conf(n), change); // throws on a change that does not fit
    if (change.type === 'promote' && !learnerCaughtUp(n, change.node)) reason = 'learnerNotCaughtUp';
  }
  const id = n.proposals.newId();
  if (reason !== null || next === null) {
    const hint = reason === 'transferring' ? n.leadTransferee : n.lead;
    n.outcomes.push(ProposalTracker.dropped(id, reason ?? 'notLeader', hint));
    return id;
  }
  const index = n.log.lastIndex() + 1;
  const data = encodeConfChange({ change, conf: next });
  n.log.append([{ index, term: n.term, type: EntryType.ConfChange, data }]); // membership follows
  n.proposals.track(id, index, n.term);
  maybeCommit(n);
  return id;
}

export function confStateAt(n: NodeState, index: number): ConfState {
  if (!Number.isSafeInteger(index) || index > n.log.lastIndex()) {
    throw new InvalidArgumentError(`index ${index} is beyond the last index ${n.log.lastIndex()}`);
  }
  const conf = n.membership.confAt(index);
  if (conf === null) throw new InvalidArgumentError(`the configuration at ${index} is no longer known`);
  return conf;
}

export function onLogAppend(n: NodeState, entries: readonly Entry[]): void {
  if (n.membership.onAppend(entries)) onConfChanged(n);
}

/** The configuration in force changed (an appended or truncated ConfChange entry, or a snapshot). */
export function onConfChanged(n: NodeState): void {
  // A lease confirmed by a quorum of the old voters says nothing about a quorum of the new ones.
  n.leaseUntil = null;
  n.identity.onConfChanged(conf(n));
  if (n.role === 'leader') syncProgress(n);
  const members = new Set([...conf(n).voters, ...conf(n).learners]);
  n.detector.retain(members);
  for (const id of [...n.peerPriorities.keys()]) if (!members.has(id)) n.peerPriorities.delete(id);
  n.clockJudge.forget((id) => members.has(id));
}

/** A learner may be promoted once it replicates normally, answers, and is close enough to the commit index. */
export function learnerCaughtUp(n: NodeState, node: NodeId): boolean {
  const pr = n.progress.get(node);
  return (
    pr !== undefined &&
    pr.state === 'replicate' &&
    n.now - pr.lastContactTick < n.cfg.electionTicks &&
    pr.match + n.cfg.promoteMaxLag >= n.log.committed
  );
}
