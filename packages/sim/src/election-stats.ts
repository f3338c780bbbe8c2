/**
 * Liveness numbers of one run, for comparing timeout settings (the jitter
 * profile) and for leader priority:
 *
 * - spurious elections: elections won on an election timeout while the
 *   previous leader was up, running and not cut off by any fault in force (a
 *   slow or jittery network made followers give up on a live leader);
 * - failover time: ticks from a leader's crash until a leader of a higher
 *   term commits (its first commit: the new leader's no-op);
 * - the leader timeline (who won which term, when and why).
 */
import type { NodeId } from '@raftkit/core';
import type { ElectionCause } from './sim-node.js';

export interface Election {
  /** Virtual time in ticks. */
  readonly at: number;
  readonly node: NodeId;
  readonly term: number;
  readonly cause: ElectionCause;
  readonly spurious: boolean;
}

export interface ElectionStatsResult {
  readonly spuriousElections: number;
  /** One entry per leader crash that a new leader recovered from, in ticks. */
  readonly failoverTicks: readonly number[];
  /** Leader crashes after which no leader of a higher term committed before the run ended. */
  readonly failoversUnfinished: number;
  /** Elections after `quietFrom` (the nemesis' final heal): a stable cluster has at most one or two. */
  readonly leaderChangesInQuiet: number;
}

export class ElectionStats {
  readonly timeline: Election[] = [];
  /** The latest leader elected, and whether it crashed since. */
  private prev: { readonly node: NodeId; readonly term: number; crashed: boolean } | null = null;
  private pendingFailover: { readonly term: number; readonly since: number } | null = null;
  private readonly failovers: number[] = [];
  private spurious = 0;

  constructor(
    private readonly tickUs: number,
    /** Virtual time from which elections count as changes of the quiet period. */
    private readonly quietFrom: number,
  ) {}

  /**
   * `node` won `term`; `liveAndConnected(id)` says whether a node is up,
   * running and not cut off by a fault in force.
   */
  onElected(
    node: NodeId,
    term: number,
    cause: ElectionCause,
    now: number,
    liveAndConnected: (id: NodeId) => boolean,
  ): void {
    const prev = this.prev;
    const spurious =
      cause === 'timeout' &&
      prev !== null &&
      !prev.crashed &&
      prev.term < term &&
      liveAndConnected(prev.node);
    if (spurious) this.spurious++;
    this.timeline.push({ at: now / this.tickUs, node, term, cause, spurious });
    if (prev === null || term > prev.term) this.prev = { node, term, crashed: false };
  }

  /** `node` crashed; `ledTerm`: the term it led at that moment, if it was the leader. */
  onCrash(node: NodeId, ledTerm: number | null, now: number): void {
    if (this.prev?.node === node) this.prev.crashed = true;
    // The failover clock starts unless one is running.
    if (ledTerm !== null && this.pendingFailover === null)
      this.pendingFailover = { term: ledTerm, since: now };
  }

  /** A leader of `term` advanced its commit index. */
  onLeaderCommit(term: number, now: number): void {
    const p = this.pendingFailover;
    if (p === null || term <= p.term) return;
    this.failovers.push(Math.round(((now - p.since) / this.tickUs) * 100) / 100);
    this.pendingFailover = null;
  }

  result(): ElectionStatsResult {
    return {
      spuriousElections: this.spurious,
      failoverTicks: this.failovers.slice(),
      failoversUnfinished: this.pendingFailover === null ? 0 : 1,
      leaderChangesInQuiet: this.timeline.filter((e) => e.at * this.tickUs >= this.quietFrom).length,
    };
  }
}
