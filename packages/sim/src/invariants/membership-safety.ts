/**
 * Safety of membership changes (single-server changes, thesis ch. 4),
 * checked where the data changes:
 *
 * - only a voter leads: a node that becomes leader is a voter of the
 *   configuration in force in its own log (a learner or a removed node never
 *   wins). Election safety (one leader per term) is checked across all
 *   configurations by ElectionSafety's run-wide term map.
 * - committed configurations form a chain: the configuration every committed
 *   ConfChange entry carries follows from the previous committed one by that
 *   entry's own single change (add a learner, promote one, remove a member).
 *   Two overlapping changes proposed by two leaders cannot both commit.
 * - commits need a quorum of voters: when a leader advances its commit index
 *   to c, a majority of the voters of the configuration it decided under durably
 *   hold (c, term) (synced to disk, or compacted into a snapshot). The leader's
 *   own copy counts if it is in its storage (it syncs before anything it tells
 *   others can depend on it); learners never count.
 */
import {
  applyConfChange,
  type ConfState,
  decodeConfChange,
  type Entry,
  type NodeId,
  sameIncarnations,
} from '@raftkit/core';
import type { ViolationSink } from './types.js';

/** Whether node `id` durably holds entry (index, term) right now. */
export type DurableLookup = (id: NodeId, index: number, term: number) => boolean;

export class MembershipSafety {
  private lastConf: ConfState;
  private lastConfIndex = 0;
  /** Committed configurations by the index of their ConfChange entry (ascending; index 0: the initial one). */
  private readonly history: { readonly index: number; readonly conf: ConfState }[] = [];
  /** Committed ConfChange entries seen (a run-wide count for the summary). */
  changesCommitted = 0;
  private holds: DurableLookup = () => true;
  private speaksAs: (id: NodeId) => number = () => 0;

  constructor(
    private readonly report: ViolationSink,
    initial: ConfState,
  ) {
    this.lastConf = initial;
    this.history.push({ index: 0, conf: initial });
  }

  /** The initial members' store incarnations (known once the host created them): the bootstrap configuration binds them. */
  bindInitial(incarnations: Readonly<Record<NodeId, number>>): void {
    const initial = { ...this.lastConf, incarnations: { ...incarnations } };
    this.lastConf = initial;
    this.history[0] = { index: 0, conf: initial };
  }

  /** Where the quorum check looks up durable logs (the host sets it). */
  setDurableLookup(holds: DurableLookup): void {
    this.holds = holds;
  }

  /** Where the quorum check looks up each node's current store incarnation (the host sets it). */
  setIncarnationLookup(speaksAs: (id: NodeId) => number): void {
    this.speaksAs = speaksAs;
  }

  /** `node` became leader of `term` with `conf` in force in its log. */
  onLeader(node: NodeId, term: number, conf: ConfState, time: number): void {
    if (conf.voters.includes(node)) return;
    this.report({
      invariant: 'membershipSafety',
      time,
      nodes: [node],
      message: `${node} became leader of term ${term} but is not a voter of its configuration (voters ${conf.voters.join(',')}; learners ${conf.learners.join(',') || '-'})`,
    });
  }

  /** `node` applies the committed ConfChange entry `e`. */
  onApplyConfChange(node: NodeId, e: Entry, time: number): void {
    if (e.index <= this.lastConfIndex) return; // another node applied it first (StateMachineSafety compares the entries)
    const { change, conf } = decodeConfChange(e.data);
    let expected: ConfState | null = null;
    try {
      expected = applyConfChange(this.lastConf, change);
    } catch {
      expected = null;
    }
    if (expected === null || !sameMembers(expected, conf)) {
      this.report({
        invariant: 'membershipSafety',
        time,
        nodes: [node],
        index: e.index,
        message: `committed change ${change.type} ${change.node} at index ${e.index} (term ${e.term}) carries ${describe(conf)}, but the previous committed configuration (index ${this.lastConfIndex}) is ${describe(this.lastConf)}${expected === null ? ', to which the change does not apply' : `, which the change turns into ${describe(expected)}`}: two changes overlapped`,
      });
      return;
    }
    this.lastConf = conf;
    this.lastConfIndex = e.index;
    this.history.push({ index: e.index, conf });
    this.changesCommitted++;
  }

  /**
   * A snapshot at `index` (taken, or installed from a leader) says `conf` was
   * in force there: it must be the committed configuration at that index, or a
   * node restoring it would count the wrong majorities.
   */
  onSnapshotConf(node: NodeId, index: number, conf: ConfState, time: number): void {
    // Complete up to `index`: whoever made the snapshot applied every change up to it, in order.
    let want = this.history[0].conf;
    for (const h of this.history) {
      if (h.index > index) break;
      want = h.conf;
    }
    if (sameMembers(want, conf)) return;
    this.report({
      invariant: 'membershipSafety',
      time,
      nodes: [node],
      index,
      message: `${node}'s snapshot at index ${index} carries ${describe(conf)}, but the committed configuration there is ${describe(want)}`,
    });
  }

  /**
   * Leader `node` advanced its commit index to `commit` (entry term `term`).
   * The leader decided it under the configuration newest in its log at that
   * moment: the one in force at `commit` or, if a change was appended after
   * it since (at most one is in flight), that one. `confs` are both; a
   * majority of the voters of one of them must durably hold the entry.
   */
  onLeaderCommit(
    node: NodeId,
    commit: number,
    term: number,
    confs: readonly ConfState[],
    time: number,
  ): void {
    let best: { conf: ConfState; holding: NodeId[] } | null = null;
    for (const conf of confs) {
      const holding = conf.voters.filter((v) => this.holds(v, commit, term));
      if (2 * holding.length > conf.voters.length) return;
      // A voter whose store was replaced since (amnesia) holds nothing, but no quorum of this
      // configuration counts it either (identity rule): the entry is safe while every majority
      // of voters that can still vote contains a holder.
      const canVote = conf.voters.filter(
        (v) => this.speaksAs(v) === (conf.incarnations?.[v] ?? this.speaksAs(v)),
      );
      const missing = canVote.filter((v) => !holding.includes(v)).length;
      if (2 * missing < conf.voters.length) return;
      if (best === null) best = { conf, holding };
    }
    if (best === null) return;
    this.report({
      invariant: 'commitQuorum',
      time,
      nodes: [node],
      index: commit,
      message: `leader ${node} committed (${commit}, term ${term}) but only ${best.holding.join(',') || 'nobody'} of the voters ${best.conf.voters.join(',')} durably hold it`,
    });
  }

  /** The latest committed configuration. */
  get committedConf(): ConfState {
    return this.lastConf;
  }
}

function sameMembers(a: ConfState, b: ConfState): boolean {
  return sameSet(a.voters, b.voters) && sameSet(a.learners, b.learners) && sameIncarnations(a, b);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function describe(c: ConfState): string {
  const incs = Object.entries(c.incarnations ?? {})
    .sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([id, inc]) => `${id}#${inc}`);
  return `{voters ${[...c.voters].sort().join(',')}; learners ${[...c.learners].sort().join(',') || '-'}${incs.length > 0 ? `; incarnations ${incs.join(',')}` : ''}}`;
}
