import { RttEstimator, type RttEstimatorOptions, type RttStats } from './rtt-estimator.js';

/**
 * Per-peer health from two independent channels (the dual-channel
 * heartbeat of @raftkit/net): the TCP link (any frame received counts as
 * contact) and the UDP probes. Pure: every input carries the caller's `now`
 * (a monotonic clock; the `Ms` option names are net's, the unit is the
 * caller's). This is the shared copy of net's `liveness/peer-health.ts`,
 * same API and behaviour, so net can import it from @raftkit/core.
 *
 * Each channel is `fresh` (contact within suspectAfterMs), `stale` (within
 * downAfterMs) or `dead` (older, or never). A TCP channel whose connection is
 * down is never fresh. The peer is
 *   - `healthy` only when every enabled channel is fresh (both agree),
 *   - `down` when every enabled channel is dead,
 *   - `suspect` otherwise (the channels disagree, or contact is late).
 *
 * RaftNode's own single-channel view (Raft traffic, in ticks) uses the same
 * classification through `contactState` (see failure-detector.ts).
 */
export type Health = 'healthy' | 'suspect' | 'down';
export type ChannelState = 'fresh' | 'stale' | 'dead';

export interface PeerHealthOptions {
  /** Contact older than this makes a channel stale. Default 1000. */
  readonly suspectAfterMs?: number;
  /** Contact older than this makes a channel dead. Default 3000. */
  readonly downAfterMs?: number;
  /** Whether the UDP channel takes part (false when probes are disabled). Default true. */
  readonly udp?: boolean;
  readonly rtt?: RttEstimatorOptions;
}

export interface ChannelView {
  readonly state: ChannelState;
  /** Time since the last contact, null if never. */
  readonly lastContactAgoMs: number | null;
  readonly rtt: RttStats | null;
}

export interface HealthView {
  readonly health: Health;
  readonly tcp: ChannelView & { readonly connected: boolean };
  readonly udp: ChannelView | null;
}

/**
 * One channel's state from the time of its last contact: never or older than
 * `downAfter` -> dead; older than `suspectAfter`, or the channel is not up ->
 * stale; else fresh.
 */
export function contactState(
  last: number | null,
  now: number,
  suspectAfter: number,
  downAfter: number,
  up = true,
): ChannelState {
  if (last === null) return 'dead';
  const age = now - last;
  if (age > downAfter) return 'dead';
  if (age > suspectAfter || !up) return 'stale';
  return 'fresh';
}

export class PeerHealth {
  readonly suspectAfterMs: number;
  readonly downAfterMs: number;
  readonly udpEnabled: boolean;
  readonly tcpRtt: RttEstimator;
  readonly udpRtt: RttEstimator;
  private tcpConnected = false;
  private tcpLast: number | null = null;
  private udpLast: number | null = null;

  constructor(options: PeerHealthOptions = {}) {
    this.suspectAfterMs = options.suspectAfterMs ?? 1000;
    this.downAfterMs = options.downAfterMs ?? 3000;
    this.udpEnabled = options.udp ?? true;
    if (!(this.suspectAfterMs > 0 && this.downAfterMs >= this.suspectAfterMs)) {
      throw new RangeError('need 0 < suspectAfterMs <= downAfterMs');
    }
    this.tcpRtt = new RttEstimator(options.rtt);
    this.udpRtt = new RttEstimator(options.rtt);
  }

  /** The TCP link finished its handshake: that is contact. */
  tcpUp(now: number): void {
    this.tcpConnected = true;
    this.tcpLast = now;
  }

  tcpDown(): void {
    this.tcpConnected = false;
  }

  /** A frame arrived over TCP; `rttMs` when it was a pong. */
  tcpContact(now: number, rttMs?: number): void {
    this.tcpLast = now;
    if (rttMs !== undefined) this.tcpRtt.addSample(rttMs);
  }

  /** An authenticated UDP probe answer arrived. */
  udpContact(now: number, rttMs: number): void {
    this.udpLast = now;
    this.udpRtt.addSample(rttMs);
  }

  evaluate(now: number): HealthView {
    const tcpState = contactState(
      this.tcpLast,
      now,
      this.suspectAfterMs,
      this.downAfterMs,
      this.tcpConnected,
    );
    const tcp = {
      connected: this.tcpConnected,
      state: tcpState,
      lastContactAgoMs: this.tcpLast === null ? null : now - this.tcpLast,
      rtt: this.tcpRtt.stats(),
    };
    if (!this.udpEnabled) return { health: combineHealth([tcpState]), tcp, udp: null };
    const udpState = contactState(this.udpLast, now, this.suspectAfterMs, this.downAfterMs);
    const udp = {
      state: udpState,
      lastContactAgoMs: this.udpLast === null ? null : now - this.udpLast,
      rtt: this.udpRtt.stats(),
    };
    return { health: combineHealth([tcpState, udpState]), tcp, udp };
  }
}

/** healthy iff all fresh; down iff all dead; suspect otherwise. */
export function combineHealth(states: readonly ChannelState[]): Health {
  if (states.every((s) => s === 'fresh')) return 'healthy';
  if (states.every((s) => s === 'dead')) return 'down';
  return 'suspect';
}
