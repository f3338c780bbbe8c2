/**
 * Election timeout and heartbeat interval: fixed, or adaptive (opt-in
 * `timeouts: 'adaptive'`).
 *
 * Adaptive: the base election timeout T is twice the expected gap between
 * messages from the peers that matter, clamped to [minElectionTicks,
 * maxElectionTicks]; the randomized timeout stays in [T, 2T).
 *  - Follower: gap = mean + k * deviation of the leader's heartbeat
 *    inter-arrival times (`adaptiveDeviationFactor` k). T is the election
 *    timeout AND the leader-stickiness window.
 *  - Leader: gap = heartbeat interval + the round-trip bound (mean + k *
 *    deviation) that a majority of voters stays within; T is its CheckQuorum
 *    window. Its heartbeat interval is T scaled by the configured
 *    heartbeatTicks / electionTicks ratio, between 1 and minElectionTicks / 2
 *    (so a follower always hears at least two heartbeats per minimum timeout).
 *  - Until a window holds ADAPT_MIN_SAMPLES samples it is not trusted (a
 *    couple of fast answers would collapse T): a follower keeps the
 *    configured electionTicks; a leader whose majority is not measured yet
 *    (typically just elected) uses maxElectionTicks as its CheckQuorum window
 *    and the configured heartbeat interval, so that a new leader on a slow
 *    network does not lose its quorum before its first round trips return
 *    (a partitioned new leader steps down after at most maxElectionTicks).
 *
 * Timeouts decide liveness only. Safety stays with the lease rule: a lease
 * lasts `minElectionTicks - maxClockDriftTicks - 1` from the send tick of the
 * acknowledged round (fixed mode: `electionTicks - maxClockDriftTicks - 1`;
 * the one tick is the follower's tick phase, see `leaseTicks`).
 * Every follower's stickiness window is its T >= minElectionTicks, and a
 * restarted node stays sticky for electionTicks >= minElectionTicks, so no
 * follower that acknowledged the round can vote for another leader before
 * the lease ends, whatever T each of them measured.
 */
import { majority } from './quorum.js';
import type { ResolvedRaftTuning } from './resolved-config.js';
import type { RttStats } from './rtt-estimator.js';

/** The resolved tuning options the timeout rules read. */
export type TimeoutSettings = Pick<
  ResolvedRaftTuning,
  | 'timeouts'
  | 'electionTicks'
  | 'heartbeatTicks'
  | 'minElectionTicks'
  | 'maxElectionTicks'
  | 'adaptiveDeviationFactor'
  | 'maxClockDriftTicks'
>;

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Samples a window needs before timeouts follow it. */
export const ADAPT_MIN_SAMPLES = 8;

/** mean + k * deviation of a window, or null before the first sample. */
export function gapBound(stats: RttStats | null, k: number): number | null {
  return stats === null ? null : stats.mean + k * stats.deviation;
}

/** gapBound of a window with at least ADAPT_MIN_SAMPLES samples, else null (not trusted yet). */
export function trustedGapBound(stats: RttStats | null, k: number): number | null {
  return stats !== null && stats.count >= ADAPT_MIN_SAMPLES ? gapBound(stats, k) : null;
}

/** T for an expected gap between messages: twice the gap, clamped. */
export function adaptiveElectionTicks(gap: number, s: TimeoutSettings): number {
  return clamp(Math.ceil(2 * gap), s.minElectionTicks, s.maxElectionTicks);
}

/** The leader's heartbeat interval for its T. */
export function adaptiveHeartbeatTicks(electionTicks: number, s: TimeoutSettings): number {
  const scaled = Math.round((electionTicks * s.heartbeatTicks) / s.electionTicks);
  return clamp(scaled, 1, Math.max(1, Math.floor(s.minElectionTicks / 2)));
}

/**
 * Lease length from the send tick of a quorum-acknowledged heartbeat round:
 * the basis, minus the clock-drift bound, minus one tick for the follower's
 * tick phase. A follower refuses votes until E of its own ticks have passed
 * since it received the round, and its first tick can come right after the
 * receipt: the refusal is only guaranteed for E - 1 tick periods. (Without the
 * tick, a candidate asking at the first moment the refusal ends was granted
 * while the old leader's lease still ran: `leaseOutlived` in the drift
 * profile, by less than one tick.)
 */
export function leaseTicks(s: TimeoutSettings): number {
  const base = s.timeouts === 'adaptive' ? s.minElectionTicks : s.electionTicks;
  return Math.max(0, base - s.maxClockDriftTicks - 1);
}

/**
 * The round-trip bound a majority of voters stays within: the leader counts
 * as 0, a voter without samples as unknown (+Infinity).
 */
export function quorumGap(selfIsVoter: boolean, peerBounds: readonly (number | null)[]): number {
  const values = peerBounds.map((b) => b ?? Number.POSITIVE_INFINITY);
  if (selfIsVoter) values.push(0);
  if (values.length === 0) return Number.POSITIVE_INFINITY;
  values.sort((a, b) => a - b);
  return values[majority(values.length) - 1];
}

export class TimeoutController {
  private followerBase: number;
  private leaderBase: number;
  private heartbeat: number;

  constructor(readonly settings: TimeoutSettings) {
    this.followerBase = settings.electionTicks;
    this.leaderBase = settings.electionTicks;
    this.heartbeat = settings.heartbeatTicks;
  }

  get adaptive(): boolean {
    return this.settings.timeouts === 'adaptive';
  }

  /** Base election timeout of a follower / candidate (also its stickiness window). */
  followerElectionTicks(): number {
    return this.followerBase;
  }

  /** A leader's CheckQuorum window. */
  leaderElectionTicks(): number {
    return this.leaderBase;
  }

  heartbeatTicks(): number {
    return this.heartbeat;
  }

  leaseTicks(): number {
    return leaseTicks(this.settings);
  }

  /** Follower: the inter-arrival statistics changed. Returns true when T changed. */
  onInterArrival(stats: RttStats | null): boolean {
    if (!this.adaptive) return false;
    const gap = trustedGapBound(stats, this.settings.adaptiveDeviationFactor);
    if (gap === null) return false;
    const t = adaptiveElectionTicks(gap, this.settings);
    if (t === this.followerBase) return false;
    this.followerBase = t;
    return true;
  }

  /** Leader: recompute T and the heartbeat interval from the voters' round-trip bounds. */
  onRoundTrips(selfIsVoter: boolean, peerBounds: readonly (number | null)[]): void {
    if (!this.adaptive) return;
    const q = quorumGap(selfIsVoter, peerBounds);
    if (!Number.isFinite(q)) {
      this.leaderBase = this.settings.maxElectionTicks;
      this.heartbeat = this.settings.heartbeatTicks;
      return;
    }
    this.leaderBase = adaptiveElectionTicks(this.heartbeat + q, this.settings);
    this.heartbeat = adaptiveHeartbeatTicks(this.leaderBase, this.settings);
  }
}
