/**
 * The node's output (etcd's rawnode.go): hasReady / ready / advance, and the snapshot-policy bookkeeping of what was applied.
 */
import { UsageError } from '../errors.js';
import { type SnapshotProgress, shouldSnapshot } from '../snapshot-policy.js';
import type { HardState, Ready, SoftState } from '../types.js';
import { broadcastHeartbeat, flushAppends } from './replication.js';
import { hardState, MAX_APPLIED_MARKS, type NodeState, softState } from './state.js';

export function snapshotProgress(n: NodeState): SnapshotProgress {
  const snapshotIndex = n.cfg.storage.snapshot()?.meta.index ?? 0;
  return {
    appliedIndex: n.log.applied,
    snapshotIndex,
    bytesSinceSnapshot: bytesSince(n, snapshotIndex),
    installing: n.log.hasReceivedSnapshot(),
  };
}

export function snapshotDue(n: NodeState): boolean {
  return shouldSnapshot(snapshotProgress(n), n.cfg);
}

export function hasReady(n: NodeState): boolean {
  if (n.pendingReady) return false;
  prepareReady(n);
  return (
    n.msgs.length > 0 ||
    n.divergences.length > 0 ||
    n.readStates.length > 0 ||
    n.outcomes.length > 0 ||
    n.transitions.length > 0 ||
    n.snapshotRejections.length > 0 ||
    n.identity.hasPending ||
    n.clockJudge.hasPending ||
    n.log.hasEntriesToPersist() ||
    n.log.hasSnapshotToPersist() ||
    n.log.hasEntriesToApply() ||
    !sameSoftState(softState(n), n.prevSoft) ||
    !sameHardState(hardState(n), n.prevHard)
  );
}

export function ready(n: NodeState): Ready {
  if (n.pendingReady) throw new UsageError('ready() called again before advance()');
  prepareReady(n);
  const soft = softState(n);
  const hard = hardState(n);
  const softChanged = !sameSoftState(soft, n.prevSoft);
  const hardChanged = !sameHardState(hard, n.prevHard);
  const entries = n.log.takeEntriesToPersist();
  const snapshot = n.log.takeSnapshotToPersist();
  const committedEntries = n.log.takeEntriesToApply();
  const termOrVoteChanged = hard.term !== n.prevHard.term || hard.vote !== n.prevHard.vote;
  const rd: Ready = {
    softState: softChanged ? soft : null,
    hardState: hardChanged ? hard : null,
    entries,
    snapshot,
    messages: n.msgs,
    committedEntries,
    readStates: n.readStates,
    outcomes: n.outcomes,
    transitions: n.transitions,
    snapshotRejections: n.snapshotRejections,
    mustSync: entries.length > 0 || snapshot !== null || (hardChanged && termOrVoteChanged),
    messagesMayPrecedePersist:
      n.msgs.length > 0 &&
      n.role === 'leader' &&
      !termOrVoteChanged &&
      snapshot === null &&
      (entries.length === 0 || n.log.committed < entries[0].index),
    divergences: n.divergences,
    identityConflicts: n.identity.drain(),
    clockSkews: n.clockJudge.drain(),
  };
  n.msgs = [];
  n.divergences = [];
  n.readStates = [];
  n.outcomes = [];
  n.transitions = [];
  n.snapshotRejections = [];
  n.prevSoft = soft;
  n.prevHard = hard;
  const lastEntry = entries.length > 0 ? entries[entries.length - 1] : null;
  const lastApplied =
    committedEntries.length > 0 ? committedEntries[committedEntries.length - 1].index : null;
  let appliedBytes = 0;
  for (const e of committedEntries) appliedBytes += e.data.byteLength;
  n.pendingReady = {
    lastEntry: lastEntry ? { index: lastEntry.index, term: lastEntry.term } : null,
    snapshotIndex: snapshot ? snapshot.meta.index : null,
    appliedTo: lastApplied ?? (snapshot ? snapshot.meta.index : null),
    appliedBytes,
  };
  return rd;
}

export function advance(n: NodeState): void {
  const marks = n.pendingReady;
  if (!marks) throw new UsageError('advance() called without an outstanding ready()');
  if (marks.snapshotIndex !== null) n.log.stableSnapTo(marks.snapshotIndex);
  if (marks.lastEntry) n.log.stableTo(marks.lastEntry.index, marks.lastEntry.term);
  if (marks.appliedTo !== null) {
    n.log.appliedTo(marks.appliedTo);
    noteApplied(n, marks.appliedTo, marks.appliedBytes, marks.snapshotIndex !== null);
  }
  // Configurations older than both the applied index and the host's snapshot are never asked for again.
  n.membership.foldTo(Math.min(n.log.applied, n.cfg.storage.snapshot()?.meta.index ?? 0));
  n.pendingReady = null;
}

export function noteApplied(n: NodeState, index: number, bytes: number, fromSnapshot: boolean): void {
  if (fromSnapshot) {
    // Everything up to the installed snapshot is in it: count from there.
    n.appliedMarks = [{ index, bytes: n.appliedBytes }];
  }
  n.appliedBytes += bytes;
  n.appliedMarks.push({ index, bytes: n.appliedBytes });
  if (n.appliedMarks.length > MAX_APPLIED_MARKS) {
    n.appliedMarks = n.appliedMarks.slice(MAX_APPLIED_MARKS / 2);
  }
}

/** Payload bytes applied after `snapshotIndex` (counted from this node's start if it is older). */
export function bytesSince(n: NodeState, snapshotIndex: number): number {
  const marks = n.appliedMarks;
  let k = 0;
  while (k + 1 < marks.length && marks[k + 1].index <= snapshotIndex) k++;
  if (k > 0) n.appliedMarks = marks.slice(k);
  return n.appliedBytes - n.appliedMarks[0].bytes;
}

export function prepareReady(n: NodeState): void {
  if (n.role === 'leader') {
    flushAppends(n);
    if (n.reads.wantsRound) {
      n.heartbeatElapsed = 0;
      broadcastHeartbeat(n);
    }
  }
  if (n.proposals.hasOrphans) {
    n.proposals.resolveOrphans(n.now, (i) => n.log.termOrNull(i), n.log.committed, n.lead, n.outcomes);
  }
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leader === b.leader && a.term === b.term;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
