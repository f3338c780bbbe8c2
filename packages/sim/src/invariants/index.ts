/**
 * The simulator's invariant checkers, wired to one violation list. Every
 * checker is incremental: the host calls it where the checked data changes
 * (a persisted batch, a commit, an apply, a role change), so the cost per
 * simulation step does not grow with the length of the logs.
 */
import type { ConfState } from '@raftkit/core';
import { AcknowledgedWrites } from './acknowledged-writes.js';
import { CommitSafety } from './commit-safety.js';
import { ElectionSafety } from './election-safety.js';
import { LogMatching } from './log-matching.js';
import { MembershipSafety } from './membership-safety.js';
import { SnapshotSafety } from './snapshot-safety.js';
import { StateMachineSafety } from './state-machine-safety.js';
import type { Violation, ViolationSink } from './types.js';

export { AcknowledgedWrites, type FinalNodeView } from './acknowledged-writes.js';
export { CommitSafety } from './commit-safety.js';
export { type ConvergenceView, checkConvergence } from './convergence.js';
export { ElectionSafety } from './election-safety.js';
export { LogMatching } from './log-matching.js';
export { type DurableLookup, MembershipSafety } from './membership-safety.js';
export { SnapshotSafety } from './snapshot-safety.js';
export { StateMachineSafety } from './state-machine-safety.js';
export type { InvariantName, LogView, Violation, ViolationSink } from './types.js';

export class InvariantSuite {
  readonly violations: Violation[] = [];
  readonly report: ViolationSink = (v) => {
    this.violations.push(v);
  };
  readonly elections = new ElectionSafety(this.report);
  readonly logs = new LogMatching(this.report);
  readonly commits = new CommitSafety(this.report);
  readonly stateMachines = new StateMachineSafety(this.report);
  readonly acks = new AcknowledgedWrites(this.report, (i) => this.commits.committedTermAt(i));
  readonly snapshots = new SnapshotSafety(this.report);
  readonly membership: MembershipSafety;

  /** `initial`: the configuration the cluster starts with (for membership checks). */
  constructor(initial: ConfState = { voters: [], learners: [] }) {
    this.membership = new MembershipSafety(this.report, initial);
  }

  get failed(): boolean {
    return this.violations.length > 0;
  }
}
