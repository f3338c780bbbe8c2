/**
 * Clock-rate checks for leader leases.
 *
 * A lease is sound only if clocks run at nearly the same rate: the leader
 * serves lease reads for `leaseTicks` = E - d - 1 of ITS ticks after a heartbeat
 * round, counting on each follower that acknowledged it to refuse votes for E
 * of ITS ticks (at least E - 1 tick periods: its first tick may follow the
 * receipt at once). With r = (leader rate) / (follower rate), the lease
 * outlives the refusal when (E - d - 1) / r > E - 1. The check keeps
 * r >= (E - d) / E, which is stricter (it implies r >= (E - d - 1) / (E - 1)).
 * A leader whose clock runs slow (libfaketime x0.8, a throttled VM, a stalled
 * tick timer) would serve stale reads.
 *
 * So followers measure r from heartbeat timing: every heartbeat carries the
 * leader's tick; over a span of at least `minSpanTicks` of the follower's own
 * ticks, r = (leader ticks elapsed) / (own ticks elapsed). They report it (in
 * millionths) on heartbeat responses. The leader counts a follower's
 * acknowledgement toward its lease only while that follower reported a rate
 * within the bound (with a margin for the measurement's granularity); an
 * unmeasured or out-of-bound follower acknowledges for ReadIndex only. A
 * rate below the bound is reported once per follower (until it recovers) as a
 * ClockSkew; one above it (the leader's clock fast: a shorter lease, safe) is
 * only shown in status.
 *
 * A rate that changes abruptly is seen only as it accumulates over the
 * window: the check bounds drift that persists, not a single jump.
 */
import type { ResolvedRaftTuning } from './resolved-config.js';
import type { ClockSkew, NodeId } from './types.js';

/** Rates travel as integers: millionths. */
export const RATE_SCALE = 1_000_000;

interface Origin {
  readonly leader: NodeId;
  readonly leaderTick: number;
  readonly ownTick: number;
}

/** Follower side: the rate of the current leader's clock relative to ours. */
export class ClockRateMeter {
  private origin: Origin | null = null;
  private measured: number | null = null;

  constructor(
    /** Shortest span (own ticks) a rate is measured over. */
    private readonly minSpanTicks: number,
    /** The origin moves forward once the span exceeds this, so the rate follows changes. */
    private readonly maxSpanTicks: number,
  ) {}

  /** A heartbeat of `leader` sent at its tick `leaderTick` arrived at our tick `ownTick`. */
  onHeartbeat(leader: NodeId, leaderTick: number, ownTick: number): void {
    const o = this.origin;
    if (o === null || o.leader !== leader || leaderTick < o.leaderTick || ownTick < o.ownTick) {
      this.origin = { leader, leaderTick, ownTick };
      this.measured = null;
      return;
    }
    const span = ownTick - o.ownTick;
    if (span < this.minSpanTicks) return;
    this.measured = Math.round(((leaderTick - o.leaderTick) / span) * RATE_SCALE);
    if (span >= this.maxSpanTicks) this.origin = { leader, leaderTick, ownTick };
  }

  /** The leader's rate relative to ours in millionths, once measured; else undefined. */
  rate(leader: NodeId | null): number | undefined {
    if (leader === null || this.origin?.leader !== leader || this.measured === null) return undefined;
    return this.measured;
  }
}

/** Leader side: which followers' clocks a lease may rely on, and skews to report. */
export class ClockRateJudge {
  private readonly rates = new Map<NodeId, { rate: number; tick: number }>();
  private readonly reported = new Set<string>();
  private pending: ClockSkew[] = [];
  private readonly staleTicks: number;
  /** Lowest acceptable rate (millionths), margin included. */
  readonly minRate: number;
  /** Highest rate still reported as normal (millionths): the mirror bound. */
  readonly maxRate: number;

  constructor(
    private readonly self: NodeId,
    opts: Pick<ResolvedRaftTuning, 'electionTicks' | 'maxClockDriftTicks'> & {
      minSpanTicks: number;
      staleTicks: number;
    },
  ) {
    const bound = (opts.electionTicks - opts.maxClockDriftTicks) / opts.electionTicks;
    // One tick of granularity at each end of the measured span.
    const margin = 2 / opts.minSpanTicks;
    this.minRate = Math.ceil((bound + margin) * RATE_SCALE);
    this.maxRate = Math.floor((1 / (bound + margin)) * RATE_SCALE);
    this.staleTicks = opts.staleTicks;
  }

  /** A follower reported the rate of our clock relative to its own. */
  onReport(peer: NodeId, rate: number, now: number, term: number): void {
    this.rates.set(peer, { rate, tick: now });
    // Only the dangerous direction is reported: a leader clock that runs fast shortens its own
    // lease (and a follower whose event loop stalled sees its leader "fast" for a window).
    if (rate < this.minRate) {
      const key = peer;
      if (!this.reported.has(key)) {
        this.reported.add(key);
        this.pending.push({
          leader: this.self,
          peer,
          rate: rate / RATE_SCALE,
          minRate: this.minRate / RATE_SCALE,
          maxRate: this.maxRate / RATE_SCALE,
          term,
        });
      }
    } else {
      this.reported.delete(peer);
    }
  }

  /** May `peer`'s acknowledgement extend our lease: a recent rate within the bound. */
  trusts(peer: NodeId, now: number): boolean {
    const r = this.rates.get(peer);
    return r !== undefined && now - r.tick <= this.staleTicks && r.rate >= this.minRate;
  }

  /** Rates as last reported (for status), as plain ratios. */
  view(): Record<NodeId, number> {
    const out: Record<NodeId, number> = {};
    for (const [id, r] of this.rates) out[id] = r.rate / RATE_SCALE;
    return out;
  }

  forget(keep: (id: NodeId) => boolean): void {
    for (const id of [...this.rates.keys()]) if (!keep(id)) this.rates.delete(id);
  }

  /** Skews found since the last call (for Ready). */
  drain(): ClockSkew[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }
}
