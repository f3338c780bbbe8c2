import type { ChannelView, Health } from './liveness/peer-health.js';
import type { ProbeCounters } from './liveness/udp-prober.js';

/** What a node knows about one peer: link, dual-channel health, RTTs. Part of `status()`. */
export interface PeerStatus {
  readonly id: string;
  /** host:port the peer listens on. */
  readonly address: string;
  readonly connected: boolean;
  readonly health: Health;
  readonly tcp: ChannelView & { readonly connected: boolean };
  readonly udp: ChannelView | null;
  readonly probes: ProbeCounters | null;
  /** Raft frames dropped towards this peer (queue full or no link). */
  readonly droppedFrames: number;
  readonly queuedFrames: number;
  /** Bytes of those queued frames (bounded by the send queue's `maxBytes`). */
  readonly queuedBytes: number;
}
