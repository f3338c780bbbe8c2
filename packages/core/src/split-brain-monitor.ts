/**
 * SplitBrainMonitor: a pure, deterministic observer of a cluster. Hosts feed
 * it what each node reports about itself (role, term, commit, applied index +
 * state hash, lease); it reports split-brain symptoms as alerts:
 *
 *  - twoLeaders (safety): two distinct nodes seen as leader in the same term.
 *  - staleLeader (warning): a node still believes it leads term T after a
 *    term > T was seen anywhere. Reported when the episode ends (if it lasted
 *    longer than zero) and once while ongoing if it outlasts the election
 *    timeout.
 *  - commitRegression (safety): a node's commit index went down without a
 *    restart (`restarted` / `epoch` in the observation mark restarts).
 *  - divergence (safety): two nodes report different state hashes at the same
 *    applied index. Hosts that observe every node at each checkpoint (applied
 *    index a multiple of K, hash taken right after applying it) get the alert
 *    as soon as the second hash at that index arrives: within one checkpoint
 *    interval of the fault. `minority` names the nodes outside a strict
 *    majority of the hashes reported at that index, when there is one.
 *  - overlappingLeases (safety): two nodes held leader leases in different
 *    terms over overlapping intervals. A node's lease interval runs from the
 *    first observation that shows the lease to its latest `leaseUntil`, cut
 *    short at the first observation that shows the lease gone (given up for a
 *    transfer, stepped down, another term).
 *  - leaseOutlived (safety): a node became leader of a term while another
 *    node's lease of an older term was still running: the promise a lease
 *    stands for (no newer leader until it ends) was broken, whether or not
 *    the new leader took a lease of its own (e.g. clocks too far apart).
 *
 *
 * `verification()` judges every node's state from the same observations and
 * never fails open: `diverged` while its latest compared hash disagrees with
 * a strict majority of the nodes that reported at that index (or there is no
 * majority), `ok` only while its latest compared hash agreed, it reported a
 * hash within `verificationGraceTime` and (with `checkpointInterval` K) the
 * agreed index is less than (1 + verificationGraceIntervals) * K behind the
 * highest index any node reported; `unverified` otherwise.
 *
 * No timers and no clock of its own: `at` in each observation is the caller's
 * clock, and every duration is measured in its units. All memory is bounded.
 */
import {
  checkObservation,
  type NodeObservation,
  type NodeVerification,
  positive,
  type SplitBrainAlert,
  type SplitBrainMonitorOptions,
  type StaleLeaderEpisode,
} from './split-brain-observation.js';
import type { NodeId, VerificationState } from './types.js';

interface NodeTrack {
  epoch: number | undefined;
  commitIndex: number;
  /** Term this node currently believes it leads, or null. */
  leaderTerm: number | null;
  staleSince: number | null;
  staleHigherTerm: number;
  staleWarned: boolean;
  maxStale: number;
  leases: LeaseInterval[];
  /** When this node was first seen leading each of its recent terms. */
  leaderships: { readonly term: number; readonly at: number }[];
  /** The interval this node's latest observation still holds, if any. */
  openLease: LeaseInterval | null;
  /** Verification: latest hashed observation, and the latest comparison with other nodes. */
  hashIndex: number | null;
  hashAt: number | null;
  comparedIndex: number;
  agrees: boolean | null;
  agreedIndex: number | null;
}

interface LeaseInterval {
  readonly node: NodeId;
  readonly term: number;
  readonly start: number;
  until: number;
  /** Latest observation that showed this lease (observations may arrive out of order). */
  lastAt: number;
}

interface TermLeader {
  readonly node: NodeId;
  reported: boolean;
}

/** Per applied index: nodes grouped by the hash they reported. */
type Checkpoint = Map<string, NodeId[]>;

/** A pure observer: feed it observations of every node, it reports split-brain symptoms. */
export class SplitBrainMonitor {
  private readonly electionTimeout: number;
  private readonly maxTrackedTerms: number;
  private readonly maxTrackedIndices: number;
  private readonly maxLeasesPerNode: number;
  private readonly maxAlerts: number;
  private readonly checkpointInterval: number | null;
  private readonly graceIntervals: number;
  private readonly graceTime: number;
  private maxHashIndex = 0;

  private readonly tracks = new Map<NodeId, NodeTrack>();
  private readonly termLeaders = new Map<number, TermLeader>();
  private readonly checkpoints = new Map<number, Checkpoint>();
  private readonly reportedLeaseOverlaps = new Set<string>();
  private readonly log: SplitBrainAlert[] = [];
  private maxTerm = 0;
  private now = Number.NEGATIVE_INFINITY;

  constructor(opts: SplitBrainMonitorOptions) {
    this.electionTimeout = positive(opts.electionTimeout, 'electionTimeout');
    this.maxTrackedTerms = positive(opts.maxTrackedTerms ?? 4096, 'maxTrackedTerms');
    this.maxTrackedIndices = positive(opts.maxTrackedIndices ?? 1024, 'maxTrackedIndices');
    this.maxLeasesPerNode = positive(opts.maxLeasesPerNode ?? 16, 'maxLeasesPerNode');
    this.maxAlerts = positive(opts.maxAlerts ?? 10_000, 'maxAlerts');
    this.checkpointInterval =
      opts.checkpointInterval === undefined ? null : positive(opts.checkpointInterval, 'checkpointInterval');
    const g = opts.verificationGraceIntervals ?? 1;
    if (typeof g !== 'number' || !(g >= 0) || !Number.isFinite(g)) {
      throw new RangeError(`SplitBrainMonitor: verificationGraceIntervals must be >= 0, got ${String(g)}`);
    }
    this.graceIntervals = g;
    this.graceTime = positive(
      opts.verificationGraceTime ?? 10 * this.electionTimeout,
      'verificationGraceTime',
    );
  }

  /** Every node's state verification as of the latest `at` seen (see the class comment). */
  verification(): NodeVerification[] {
    const out: NodeVerification[] = [];
    for (const [node, t] of this.tracks) {
      let state: VerificationState = 'unverified';
      if (t.agrees === false) state = 'diverged';
      else if (t.agrees === true && t.agreedIndex !== null && t.hashAt !== null) {
        const inTime = this.now - t.hashAt <= this.graceTime;
        const k = this.checkpointInterval;
        const inIndex = k === null || this.maxHashIndex - t.agreedIndex < (1 + this.graceIntervals) * k;
        if (inTime && inIndex) state = 'ok';
      }
      out.push({
        node,
        state,
        lastIndex: t.hashIndex,
        lastAt: t.hashAt,
        agreedIndex: t.agreedIndex,
        divergedIndex: t.agrees === false ? t.comparedIndex : null,
      });
    }
    return out;
  }

  /** Record one observation; returns the alerts it raised (also kept in alerts()). */
  observe(obs: NodeObservation): SplitBrainAlert[] {
    checkObservation(obs);
    const out: SplitBrainAlert[] = [];
    this.now = Math.max(this.now, obs.at);
    let track = this.tracks.get(obs.node);
    const restarted =
      track !== undefined &&
      (obs.restarted === true ||
        (obs.epoch !== undefined && track.epoch !== undefined && obs.epoch !== track.epoch));
    if (track === undefined) {
      track = newTrack(obs);
      this.tracks.set(obs.node, track);
    } else {
      this.checkCommit(track, obs, restarted, out);
    }
    track.commitIndex = obs.commitIndex;
    if (obs.epoch !== undefined) track.epoch = obs.epoch;

    if (obs.term > this.maxTerm) this.raiseMaxTerm(obs.term, obs.at);
    this.trackLeadership(track, obs, restarted, out);
    this.checkOngoingStaleness(out);
    if (obs.stateHash !== null) {
      if (track.hashAt === null || obs.at >= track.hashAt) {
        track.hashIndex = obs.appliedIndex;
        track.hashAt = obs.at;
      }
      this.maxHashIndex = Math.max(this.maxHashIndex, obs.appliedIndex);
      this.checkDivergence(obs, obs.stateHash, out);
    }
    this.trackLease(track, obs, out);
    this.record(out);
    return out;
  }

  /**
   * The host knows a node is down (crashed, killed, removed): it believes
   * nothing any more, so a stale-leader episode and any lease end here.
   */
  nodeStopped(node: NodeId, at: number): SplitBrainAlert[] {
    const out: SplitBrainAlert[] = [];
    const track = this.tracks.get(node);
    if (track !== undefined) {
      this.now = Math.max(this.now, at);
      this.endLeadership(node, track, at, out);
      const lease = track.openLease;
      if (lease !== null && at >= lease.lastAt)
        lease.until = Math.max(lease.start, Math.min(lease.until, at));
      track.openLease = null;
    }
    this.record(out);
    return out;
  }

  alerts(): readonly SplitBrainAlert[] {
    return this.log;
  }

  /** Longest stale-leader episode seen so far, per node (in `at` units), including one still in progress. */
  staleLeaderDurations(): ReadonlyMap<NodeId, number> {
    const out = new Map<NodeId, number>();
    for (const [node, t] of this.tracks) {
      const running = t.staleSince === null ? 0 : Math.max(0, this.now - t.staleSince);
      const longest = Math.max(t.maxStale, running);
      if (longest > 0 || t.staleSince !== null) out.set(node, longest);
    }
    return out;
  }

  /** Stale-leader episodes still in progress, as of the latest `at` seen. */
  staleLeaders(): StaleLeaderEpisode[] {
    const out: StaleLeaderEpisode[] = [];
    for (const [node, t] of this.tracks) {
      if (t.staleSince === null || t.leaderTerm === null) continue;
      out.push({
        node,
        term: t.leaderTerm,
        higherTerm: t.staleHigherTerm,
        since: t.staleSince,
        duration: Math.max(0, this.now - t.staleSince),
      });
    }
    return out;
  }

  /** Highest term observed so far. */
  get highestTerm(): number {
    return this.maxTerm;
  }

  // -------------------------------------------------------------------------

  private record(alerts: SplitBrainAlert[]): void {
    for (const a of alerts) this.log.push(a);
    if (this.log.length > this.maxAlerts) this.log.splice(0, this.log.length - this.maxAlerts);
  }

  private checkCommit(
    track: NodeTrack,
    obs: NodeObservation,
    restarted: boolean,
    out: SplitBrainAlert[],
  ): void {
    if (restarted || obs.commitIndex >= track.commitIndex) return;
    out.push({
      kind: 'commitRegression',
      severity: 'safety',
      at: obs.at,
      nodes: [obs.node],
      term: obs.term,
      index: obs.commitIndex,
      duration: null,
      message: `${obs.node}: commit index went back from ${track.commitIndex} to ${obs.commitIndex} without a restart`,
    });
  }

  /** A higher term exists from now on: every node leading a lower term is stale from `at`. */
  private raiseMaxTerm(term: number, at: number): void {
    this.maxTerm = term;
    for (const t of this.tracks.values()) {
      if (t.leaderTerm === null || t.leaderTerm >= term) continue;
      if (t.staleSince === null) t.staleSince = at;
      t.staleHigherTerm = term;
    }
  }

  private trackLeadership(
    track: NodeTrack,
    obs: NodeObservation,
    restarted: boolean,
    out: SplitBrainAlert[],
  ): void {
    const leads = obs.role === 'leader';
    if (track.leaderTerm !== null && (restarted || !leads || obs.term !== track.leaderTerm)) {
      this.endLeadership(obs.node, track, obs.at, out);
    }
    if (!leads) return;
    if (track.leaderTerm !== obs.term) this.leadershipStarted(track, obs, out);
    track.leaderTerm = obs.term;
    if (track.staleSince === null && this.maxTerm > obs.term) {
      track.staleSince = obs.at;
      track.staleHigherTerm = this.maxTerm;
    }
    this.checkTwoLeaders(obs, out);
  }

  /** The node no longer believes it leads: close its stale episode, if any. */
  private endLeadership(node: NodeId, track: NodeTrack, at: number, out: SplitBrainAlert[]): void {
    const term = track.leaderTerm;
    const since = track.staleSince;
    track.leaderTerm = null;
    track.staleSince = null;
    track.staleWarned = false;
    if (term === null || since === null) return;
    const duration = Math.max(0, at - since);
    track.maxStale = Math.max(track.maxStale, duration);
    if (duration === 0) return; // stepped down as soon as the higher term was seen: nothing stale happened
    out.push({
      kind: 'staleLeader',
      severity: 'warning',
      at,
      nodes: [node],
      term,
      index: null,
      duration,
      ongoing: false,
      message: `${node} believed it led term ${term} for ${duration} after term ${track.staleHigherTerm} existed`,
    });
  }

  private checkOngoingStaleness(out: SplitBrainAlert[]): void {
    for (const [node, t] of this.tracks) {
      if (t.staleSince === null || t.staleWarned || t.leaderTerm === null) continue;
      const duration = this.now - t.staleSince;
      if (duration <= this.electionTimeout) continue;
      t.staleWarned = true;
      out.push({
        kind: 'staleLeader',
        severity: 'warning',
        at: this.now,
        nodes: [node],
        term: t.leaderTerm,
        index: null,
        duration,
        ongoing: true,
        message:
          `${node} still believes it leads term ${t.leaderTerm}, ${duration} after term ${t.staleHigherTerm} ` +
          `existed (longer than the election timeout ${this.electionTimeout})`,
      });
    }
  }

  private checkTwoLeaders(obs: NodeObservation, out: SplitBrainAlert[]): void {
    const known = this.termLeaders.get(obs.term);
    if (known === undefined) {
      this.termLeaders.set(obs.term, { node: obs.node, reported: false });
      if (this.termLeaders.size > this.maxTrackedTerms) deleteOldest(this.termLeaders);
      return;
    }
    if (known.node === obs.node || known.reported) return;
    known.reported = true;
    out.push({
      kind: 'twoLeaders',
      severity: 'safety',
      at: obs.at,
      nodes: [known.node, obs.node],
      term: obs.term,
      index: null,
      duration: null,
      message: `two leaders in term ${obs.term}: ${known.node} and ${obs.node}`,
    });
  }

  private checkDivergence(obs: NodeObservation, hash: string, out: SplitBrainAlert[]): void {
    const index = obs.appliedIndex;
    let groups = this.checkpoints.get(index);
    if (groups === undefined) {
      groups = new Map();
      this.checkpoints.set(index, groups);
      if (this.checkpoints.size > this.maxTrackedIndices) deleteOldest(this.checkpoints);
    }
    const same = groups.get(hash);
    if (same !== undefined) {
      if (!same.includes(obs.node)) same.push(obs.node);
      this.judge(index, groups);
      return;
    }
    const others: NodeId[] = [];
    for (const nodes of groups.values())
      for (const n of nodes) if (n !== obs.node && !others.includes(n)) others.push(n);
    groups.set(hash, [obs.node]);
    const minority = this.judge(index, groups);
    if (others.length === 0) return;
    // One alert per distinct divergent hash at an index: a node agreeing with a known hash adds nothing new.
    const hashes: Record<NodeId, string> = {};
    for (const [h, nodes] of groups) for (const n of nodes) hashes[n] = h;
    out.push({
      kind: 'divergence',
      severity: 'safety',
      at: obs.at,
      nodes: [obs.node, ...others],
      term: obs.term,
      index,
      duration: null,
      hashes,
      ...(minority !== null ? { minority } : {}),
      message: `state diverged at applied index ${index}: ${obs.node} has ${hash}, ${others
        .map((n) => `${n} has ${hashes[n]}`)
        .join(', ')}`,
    });
  }

  /**
   * Compare every node that reported at `index`: agreeing means holding the
   * hash of a strict majority of them. Returns the nodes outside that
   * majority (null when there is none or fewer than two reported).
   */
  private judge(index: number, groups: Checkpoint): NodeId[] | null {
    let total = 0;
    for (const nodes of groups.values()) total += nodes.length;
    if (total < 2) return null;
    let majorityHash: string | null = null;
    for (const [h, nodes] of groups) if (nodes.length * 2 > total) majorityHash = h;
    const minority: NodeId[] = [];
    for (const [h, nodes] of groups) {
      const agrees = h === majorityHash;
      for (const n of nodes) {
        if (!agrees) minority.push(n);
        const t = this.tracks.get(n);
        if (t === undefined || index < t.comparedIndex) continue;
        t.comparedIndex = index;
        t.agrees = agrees;
        if (agrees) t.agreedIndex = index;
      }
    }
    return majorityHash === null ? null : minority;
  }

  private trackLease(track: NodeTrack, obs: NodeObservation, out: SplitBrainAlert[]): void {
    const holds = obs.role === 'leader' && obs.leaseUntil !== null && obs.leaseUntil > obs.at;
    let lease = track.openLease;
    if (lease !== null && (!holds || lease.term !== obs.term)) {
      // The lease is gone as of this observation: it cannot have been used after it.
      if (obs.at >= lease.lastAt) lease.until = Math.max(lease.start, Math.min(lease.until, obs.at));
      track.openLease = lease = null;
    }
    if (!holds || obs.leaseUntil === null) return;
    if (lease === null) {
      lease = { node: obs.node, term: obs.term, start: obs.at, until: obs.leaseUntil, lastAt: obs.at };
      track.openLease = lease;
      track.leases.push(lease);
      if (track.leases.length > this.maxLeasesPerNode) track.leases.shift();
    } else if (obs.at >= lease.lastAt) {
      // The newest belief wins, also when it is shorter (a lease revised down).
      lease.until = obs.leaseUntil;
      lease.lastAt = obs.at;
    } else {
      lease.until = Math.max(lease.until, obs.leaseUntil);
    }
    this.checkLeaseOverlaps(lease, obs.at, out);
    this.checkOutlived(lease, obs.at, out);
  }

  /** `obs.node` is seen leading `obs.term` for the first time: no lease of an older term may still run. */
  private leadershipStarted(track: NodeTrack, obs: NodeObservation, out: SplitBrainAlert[]): void {
    track.leaderships.push({ term: obs.term, at: obs.at });
    if (track.leaderships.length > this.maxLeasesPerNode) track.leaderships.shift();
    for (const [node, other] of this.tracks) {
      if (node === obs.node) continue;
      for (const lease of other.leases) this.reportOutlived(lease, obs.node, obs.term, obs.at, obs.at, out);
    }
  }

  /** A lease was extended: no node may have started leading a newer term inside it. */
  private checkOutlived(lease: LeaseInterval, at: number, out: SplitBrainAlert[]): void {
    for (const [node, other] of this.tracks) {
      if (node === lease.node) continue;
      for (const l of other.leaderships) this.reportOutlived(lease, node, l.term, l.at, at, out);
    }
  }

  private reportOutlived(
    lease: LeaseInterval,
    leader: NodeId,
    term: number,
    since: number,
    at: number,
    out: SplitBrainAlert[],
  ): void {
    if (term <= lease.term || !(lease.start <= since && since < lease.until)) return;
    const key = `outlived\u0000${lease.node}\u0000${lease.term}\u0000${leader}\u0000${term}`;
    if (this.reportedLeaseOverlaps.has(key)) return;
    this.reportedLeaseOverlaps.add(key);
    if (this.reportedLeaseOverlaps.size > this.maxTrackedTerms) deleteOldest(this.reportedLeaseOverlaps);
    out.push({
      kind: 'leaseOutlived',
      severity: 'safety',
      at,
      nodes: [lease.node, leader],
      term,
      index: null,
      duration: lease.until - since,
      message:
        `${leader} became leader of term ${term} at ${since} while the lease of ${lease.node} ` +
        `(term ${lease.term}) ran until ${lease.until}`,
    });
  }

  private checkLeaseOverlaps(lease: LeaseInterval, at: number, out: SplitBrainAlert[]): void {
    for (const [node, other] of this.tracks) {
      if (node === lease.node) continue;
      for (const o of other.leases) {
        // Half-open intervals: a lease that ends exactly when the next one starts does not overlap it.
        if (o.term === lease.term || !(o.start < lease.until && lease.start < o.until)) continue;
        const [first, second] = o.term < lease.term ? [o, lease] : [lease, o];
        const key = `${first.node}\u0000${first.term}\u0000${second.node}\u0000${second.term}`;
        if (this.reportedLeaseOverlaps.has(key)) continue;
        this.reportedLeaseOverlaps.add(key);
        if (this.reportedLeaseOverlaps.size > this.maxTrackedTerms) deleteOldest(this.reportedLeaseOverlaps);
        out.push({
          kind: 'overlappingLeases',
          severity: 'safety',
          at,
          nodes: [first.node, second.node],
          term: second.term,
          index: null,
          duration: Math.min(first.until, second.until) - Math.max(first.start, second.start),
          message:
            `overlapping leader leases: ${first.node} (term ${first.term}) [${first.start}, ${first.until}) and ` +
            `${second.node} (term ${second.term}) [${second.start}, ${second.until})`,
        });
      }
    }
  }
}

function newTrack(obs: NodeObservation): NodeTrack {
  return {
    epoch: obs.epoch,
    commitIndex: obs.commitIndex,
    leaderTerm: null,
    staleSince: null,
    staleHigherTerm: 0,
    staleWarned: false,
    maxStale: 0,
    leases: [],
    leaderships: [],
    openLease: null,
    hashIndex: null,
    hashAt: null,
    comparedIndex: -1,
    agrees: null,
    agreedIndex: null,
  };
}

function deleteOldest<K>(collection: Map<K, unknown> | Set<K>): void {
  const first = collection.keys().next();
  if (first.done !== true) collection.delete(first.value);
}
