/**
 * Divergence detection by applied-state checkpoints (etcd's corruption check,
 * made majority-aware and fail-closed).
 *
 * The rule: with `checkpointInterval` K > 0, a host reports
 * `node.reportCheckpoint(i, hash)` for every applied index i that is a
 * positive multiple of K, with the state machine's hash taken AFTER applying
 * the entry at i (and before applying i + 1); a host that restores a snapshot
 * whose index is a multiple of K may report that index with the restored
 * state's hash. Committed entries are the same everywhere, so every correct
 * replica has the same hash at i: a different one means its state diverged.
 *
 * Who compares:
 *  - The leader compares every follower's latest checkpoint (piggybacked on
 *    appendResp/heartbeatResp) with the reference hash at the same index: the
 *    hash a majority of voters reported there (*confirmed*), or its own until
 *    a quorum has spoken. A follower that differs is `diverged` and reported
 *    at once (`confirmed: false` while only the leader's hash backs the
 *    verdict; a second, confirmed report follows when a quorum does). A
 *    leader outvoted by a quorum agreeing on another hash reports ITSELF
 *    diverged, and judges its followers by the quorum's hash from then on.
 *  - The leader piggybacks its latest confirmed checkpoint on heartbeats; a
 *    follower whose own hash at that index differs reports itself diverged.
 *    Only quorum-confirmed hashes are sent, so a corrupted leader can never
 *    make healthy followers condemn themselves.
 *
 * Verification never fails open: a peer is `ok` only while it has matched
 * the leader at some index j, the leader's applied index is below
 * j + (1 + graceIntervals) * K, and a matching report arrived within
 * `graceTicks`. Anything else is `unverified` (or `diverged`).
 *
 * Pure and deterministic; all memory is bounded.
 */
import { majority } from './quorum.js';
import type {
  Checkpoint,
  CheckpointStatus,
  Divergence,
  NodeId,
  PeerVerification,
  VerificationState,
} from './types.js';

/** Own checkpoints remembered (the leader compares followers' reports with them). */
export const OWN_CHECKPOINT_HISTORY = 16;
/** Checkpoints remembered per follower (leader side). */
const PEER_CHECKPOINT_HISTORY = 4;
/** Quorum-confirmed checkpoints remembered from leaders (follower side). */
const CONFIRMED_HISTORY = 8;
/** Divergence reports remembered per peer (to report each (index, confirmation) once). */
const REPORTED_HISTORY = 16;

export interface CheckpointSettings {
  /** K: checkpoints at every positive multiple of K. 0 disables checkpoints. */
  readonly interval: number;
  /** A peer stays `ok` until the leader's applied index reaches its verified index + (1 + graceIntervals) * K. */
  readonly graceIntervals: number;
  /** ...and while a matching report arrived within this many ticks. */
  readonly graceTicks: number;
}

/** What a comparison found out: divergences to report, and news about this node itself. */
export interface CheckpointVerdict {
  divergences: Divergence[];
  /** This node's own state differs from a quorum-confirmed hash (quarantine it). */
  selfDiverged: Divergence | null;
  /** This node's own hash matched a quorum-confirmed one at this index (a later match heals). */
  selfVerified: number | null;
}

interface PeerCheckpoints {
  readonly reports: Map<number, string>;
  lastReported: Checkpoint | null;
  lastComparedIndex: number;
  lastComparison: 'match' | 'mismatch' | null;
  verifiedIndex: number;
  lastVerifiedTick: number | null;
  divergence: Divergence | null;
  /** index -> whether the report made was a confirmed one. */
  readonly reported: Map<number, boolean>;
}

interface SelfComparison {
  readonly index: number;
  readonly match: boolean;
  tick: number;
}

/** True when `index` is a checkpoint index for interval `interval` (a positive multiple of it). */
export function isCheckpointIndex(index: number, interval: number): boolean {
  return interval > 0 && Number.isSafeInteger(index) && index > 0 && index % interval === 0;
}

export class CheckpointTracker {
  private readonly own = new Map<number, string>();
  private latestOwn: Checkpoint | null = null;
  private confirmed: Checkpoint | null = null;
  /** Quorum-confirmed hashes learned from leaders (follower side). */
  private readonly fromLeader = new Map<number, string>();
  private peers = new Map<NodeId, PeerCheckpoints>();
  private self: SelfComparison | null = null;
  private selfDivergence: Divergence | null = null;
  private readonly selfReported = new Set<number>();

  constructor(
    private readonly id: NodeId,
    readonly settings: CheckpointSettings,
  ) {}

  get enabled(): boolean {
    return this.settings.interval > 0;
  }

  /** This node's latest checkpoint (piggybacked on appendResp/heartbeatResp). */
  latest(): Checkpoint | null {
    return this.latestOwn;
  }

  /** The latest quorum-confirmed checkpoint known here (a leader piggybacks it on heartbeats). */
  latestConfirmed(): Checkpoint | null {
    return this.confirmed;
  }

  /** Leadership starts or ends: per-follower comparisons belong to one leadership. */
  resetPeers(): void {
    this.peers = new Map();
  }

  /** The host reported this node's hash at `index`. `voters` is non-null on a leader. */
  recordOwn(index: number, hash: string, now: number, voters: readonly NodeId[] | null): CheckpointVerdict {
    this.own.set(index, hash);
    trim(this.own, OWN_CHECKPOINT_HISTORY);
    if (this.latestOwn === null || index >= this.latestOwn.index) this.latestOwn = { index, hash };
    const v = newVerdict();
    if (voters !== null) this.evaluate(index, now, voters, v);
    this.compareWithLeader(index, now, v);
    return v;
  }

  /** Leader: a follower's (or learner's) latest checkpoint arrived. */
  recordPeer(peer: NodeId, cp: Checkpoint, now: number, voters: readonly NodeId[]): CheckpointVerdict {
    let st = this.peers.get(peer);
    if (st === undefined) {
      st = {
        reports: new Map(),
        lastReported: null,
        lastComparedIndex: 0,
        lastComparison: null,
        verifiedIndex: 0,
        lastVerifiedTick: null,
        divergence: null,
        reported: new Map(),
      };
      this.peers.set(peer, st);
    }
    if (st.lastReported === null || cp.index >= st.lastReported.index) st.lastReported = cp;
    const v = newVerdict();
    if (st.reports.get(cp.index) === cp.hash) {
      // A repeat (followers resend their latest on every answer): it keeps a match fresh.
      if (this.own.get(cp.index) === cp.hash) {
        st.lastVerifiedTick = now;
        if (this.self?.match && this.self.index === cp.index) this.self.tick = now;
      }
      return v;
    }
    st.reports.set(cp.index, cp.hash);
    trim(st.reports, PEER_CHECKPOINT_HISTORY);
    this.evaluate(cp.index, now, voters, v);
    return v;
  }

  /** Follower: the leader's latest quorum-confirmed checkpoint arrived (on a heartbeat). */
  recordLeaderConfirmed(cp: Checkpoint, now: number): CheckpointVerdict {
    const v = newVerdict();
    if (this.fromLeader.get(cp.index) === cp.hash) {
      if (this.self?.match && this.self.index === cp.index) this.self.tick = now;
      return v;
    }
    this.fromLeader.set(cp.index, cp.hash);
    trim(this.fromLeader, CONFIRMED_HISTORY);
    if (this.confirmed === null || cp.index > this.confirmed.index) this.confirmed = cp;
    this.compareWithLeader(cp.index, now, v);
    return v;
  }

  /** Verification of one peer as seen by this leader (see the module comment). */
  peerState(peer: NodeId, applied: number, now: number): VerificationState {
    const st = this.peers.get(peer);
    if (st === undefined) return 'unverified';
    if (st.lastComparison === 'mismatch') return 'diverged';
    return this.fresh(st.verifiedIndex, st.lastVerifiedTick, applied, now) ? 'ok' : 'unverified';
  }

  /** This node's own verification against quorum-confirmed hashes. */
  selfState(applied: number, now: number): VerificationState {
    const s = this.self;
    if (s === null) return 'unverified';
    if (!s.match) return 'diverged';
    return this.fresh(s.index, s.tick, applied, now) ? 'ok' : 'unverified';
  }

  status(peers: readonly NodeId[], applied: number, now: number): CheckpointStatus {
    const views: PeerVerification[] = peers.map((id) => {
      const st = this.peers.get(id);
      return {
        id,
        state: this.peerState(id, applied, now),
        lastReported: st?.lastReported ?? null,
        verifiedIndex: st?.verifiedIndex ?? 0,
        lastVerifiedTick: st?.lastVerifiedTick ?? null,
        divergence: st?.divergence ?? null,
      };
    });
    return {
      interval: this.settings.interval,
      latest: this.latestOwn,
      confirmed: this.confirmed,
      self: this.selfState(applied, now),
      selfDivergence: this.selfDivergence,
      peers: views,
    };
  }

  // -------------------------------------------------------------------------

  private fresh(verifiedIndex: number, tick: number | null, applied: number, now: number): boolean {
    const { interval, graceIntervals, graceTicks } = this.settings;
    if (verifiedIndex === 0 || tick === null || interval === 0) return false;
    return applied < verifiedIndex + (1 + graceIntervals) * interval && now - tick <= graceTicks;
  }

  /** Leader: compare every report at `index` with our own hash there; find the quorum's hash. */
  private evaluate(index: number, now: number, voters: readonly NodeId[], v: CheckpointVerdict): void {
    const own = this.own.get(index);
    if (own === undefined) return; // nothing to compare with (yet): the peer stays unverified
    const counts = new Map<string, number>();
    const vote = (h: string) => counts.set(h, (counts.get(h) ?? 0) + 1);
    if (voters.includes(this.id)) vote(own);
    for (const [p, st] of this.peers) {
      const h = st.reports.get(index);
      if (h !== undefined && voters.includes(p)) vote(h);
    }
    let quorumHash: string | null = null;
    for (const [h, n] of counts) if (n >= majority(voters.length)) quorumHash = h;

    if (quorumHash === own) {
      if (this.confirmed === null || index > this.confirmed.index) this.confirmed = { index, hash: own };
      this.noteSelf(index, true, now, v);
    } else if (quorumHash !== null) {
      this.noteSelf(index, false, now, v);
      this.reportSelf({ node: this.id, index, expected: quorumHash, actual: own }, v);
    }
    // Peers are judged against the quorum's hash once there is one (even when we are the odd one
    // out), against ours until then.
    const reference = quorumHash ?? own;
    const confirmed = quorumHash !== null;
    for (const [p, st] of this.peers) {
      const h = st.reports.get(index);
      if (h === undefined) continue;
      const match = h === reference;
      if (index >= st.lastComparedIndex) {
        st.lastComparedIndex = index;
        st.lastComparison = match ? 'match' : 'mismatch';
      }
      if (match) {
        if (index >= st.verifiedIndex) {
          st.verifiedIndex = index;
          st.lastVerifiedTick = now;
        }
        continue;
      }
      const before = st.reported.get(index);
      if (before === true || (before === false && !confirmed)) continue;
      st.reported.set(index, confirmed);
      trim(st.reported, REPORTED_HISTORY);
      const d: Divergence = {
        node: p,
        index,
        expected: reference,
        actual: h,
        detectedBy: this.id,
        confirmed,
      };
      if (index >= (st.divergence?.index ?? 0)) st.divergence = d;
      v.divergences.push(d);
    }
  }

  /** Follower (or a leader holding confirmed hashes of earlier leaders): compare ours at `index`. */
  private compareWithLeader(index: number, now: number, v: CheckpointVerdict): void {
    const own = this.own.get(index);
    const ref = this.fromLeader.get(index);
    if (own === undefined || ref === undefined) return;
    if (own === ref) {
      this.noteSelf(index, true, now, v);
      return;
    }
    this.noteSelf(index, false, now, v);
    this.reportSelf({ node: this.id, index, expected: ref, actual: own }, v);
  }

  private noteSelf(index: number, match: boolean, now: number, v: CheckpointVerdict): void {
    if (this.self === null || index >= this.self.index) this.self = { index, match, tick: now };
    if (match) v.selfVerified = index;
  }

  private reportSelf(
    d: Pick<Divergence, 'node' | 'index' | 'expected' | 'actual'>,
    v: CheckpointVerdict,
  ): void {
    if (this.selfReported.has(d.index)) return;
    this.selfReported.add(d.index);
    if (this.selfReported.size > REPORTED_HISTORY) deleteSmallest(this.selfReported);
    const div: Divergence = { ...d, detectedBy: this.id, confirmed: true };
    this.selfDivergence = div;
    v.divergences.push(div);
    v.selfDiverged = div;
  }
}

function newVerdict(): CheckpointVerdict {
  return { divergences: [], selfDiverged: null, selfVerified: null };
}

/** Keep the `cap` highest indices. */
function trim<V>(map: Map<number, V>, cap: number): void {
  while (map.size > cap) deleteSmallest(map);
}

function deleteSmallest(c: Map<number, unknown> | Set<number>): void {
  let min = Number.POSITIVE_INFINITY;
  for (const k of c.keys()) if (k < min) min = k;
  c.delete(min);
}
