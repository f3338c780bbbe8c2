/**
 * Failure detection inside RaftNode, in ticks: per peer the last contact
 * (any message received) and statistics of
 *  - heartbeat round trips, on a leader (a heartbeatResp echoes the `seq` of
 *    the round; round trip = tick received - tick that round was sent), and
 *  - heartbeat inter-arrival times, on a follower (ticks between two
 *    heartbeats of the same leader in the same term; several in one tick
 *    count once).
 * Health follows the PeerHealth classification (peer-health.ts) on one
 * channel: `healthy` while the last contact is within the expected gap,
 * `suspect` after that, `down` after the election timeout (or never heard).
 * Pure and deterministic; memory bounded.
 */
import { contactState, type Health } from './peer-health.js';
import { RttEstimator, type RttStats } from './rtt-estimator.js';
import type { NodeId } from './types.js';

/** Samples kept per estimator. */
export const RTT_WINDOW = 32;
/** Heartbeat rounds whose send tick is remembered (older acknowledgements give no sample). */
const ROUND_HISTORY = 64;

/**
 * One channel's health in ticks. `expectedGap`: ticks between two messages
 * we expect from the peer; contact older than max(2 * heartbeatTicks,
 * expectedGap) is suspect, older than `downAfter` is down.
 */
export function classifyContact(
  lastContact: number | null,
  now: number,
  suspectAfter: number,
  downAfter: number,
): Health {
  switch (contactState(lastContact, now, Math.min(suspectAfter, downAfter), downAfter)) {
    case 'fresh':
      return 'healthy';
    case 'stale':
      return 'suspect';
    case 'dead':
      return 'down';
  }
}

export class FailureDetector {
  private readonly lastHeard = new Map<NodeId, number>();
  private readonly roundTrips = new Map<NodeId, RttEstimator>();
  private readonly sampledRound = new Map<NodeId, number>();
  private readonly roundSentAt = new Map<number, number>();
  private readonly interArrival = new RttEstimator({ windowSize: RTT_WINDOW });
  private lastBeat: { readonly from: NodeId; readonly term: number; readonly tick: number } | null = null;

  /** Any message from `peer` arrived at tick `now`. */
  heard(peer: NodeId, now: number): void {
    this.lastHeard.set(peer, now);
  }

  lastContact(peer: NodeId): number | null {
    return this.lastHeard.get(peer) ?? null;
  }

  /** A new leadership starts: heartbeat round numbers start over. */
  startRounds(): void {
    this.roundSentAt.clear();
    this.sampledRound.clear();
  }

  /** Leader: heartbeat round `round` goes out at tick `now`. */
  roundSent(round: number, now: number): void {
    this.roundSentAt.set(round, now);
    if (this.roundSentAt.size > ROUND_HISTORY) {
      const oldest = this.roundSentAt.keys().next();
      if (oldest.done !== true) this.roundSentAt.delete(oldest.value);
    }
  }

  /** Leader: `peer` acknowledged round `round` at `now`. Returns the round trip sampled, if any. */
  roundAcked(peer: NodeId, round: number, now: number): number | null {
    if (round <= (this.sampledRound.get(peer) ?? 0)) return null; // a duplicate or a late, older answer
    const sent = this.roundSentAt.get(round);
    if (sent === undefined) return null;
    this.sampledRound.set(peer, round);
    let est = this.roundTrips.get(peer);
    if (est === undefined) {
      est = new RttEstimator({ windowSize: RTT_WINDOW });
      this.roundTrips.set(peer, est);
    }
    const rtt = now - sent;
    est.addSample(rtt);
    return rtt;
  }

  /** Follower: a heartbeat of leader `from` (term `term`) arrived. Returns the inter-arrival sampled, if any. */
  leaderHeartbeat(from: NodeId, term: number, now: number): number | null {
    const prev = this.lastBeat;
    if (prev !== null && prev.tick === now && prev.from === from && prev.term === term) return null;
    this.lastBeat = { from, term, tick: now };
    if (prev === null || prev.from !== from || prev.term !== term) return null; // a new leader: no gap to measure
    const gap = now - prev.tick;
    this.interArrival.addSample(gap);
    return gap;
  }

  roundTripStats(peer: NodeId): RttStats | null {
    return this.roundTrips.get(peer)?.stats() ?? null;
  }

  interArrivalStats(): RttStats | null {
    return this.interArrival.stats();
  }

  /** Drop what we know about nodes that are no longer members. */
  retain(members: ReadonlySet<NodeId>): void {
    for (const m of [this.lastHeard, this.roundTrips, this.sampledRound] as Map<NodeId, unknown>[]) {
      for (const id of [...m.keys()]) if (!members.has(id)) m.delete(id);
    }
  }
}
