import type { BackoffOptions } from '@raftkit/runtime';
import type { SendQueueLimits } from '../framing/send-queue.js';
import type { ClusterSecret } from '../handshake/secret.js';
import type { PeerHealthOptions } from '../liveness/peer-health.js';
import type { LogFields, LogLevel } from '../log.js';
import type { NetMetrics } from '../metrics.js';
import type { TlsOptions } from '../tls-options.js';

/** Settings and services shared by every link of one transport. */
export interface LinkContext {
  readonly selfId: string;
  readonly clusterId: string;
  readonly secret: ClusterSecret;
  readonly tls?: TlsOptions;
  /** Our UDP probe port, announced in the handshake (set once the prober is bound). */
  udpPort?: number;
  readonly maxFrameBytes: number;
  readonly queue: SendQueueLimits;
  readonly handshakeTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly pingIntervalMs: number;
  readonly idleTimeoutMs: number;
  readonly backoff: BackoffOptions;
  readonly health: PeerHealthOptions;
  readonly metrics: NetMetrics;
  readonly clock: () => number;
  log(level: LogLevel, message: string, fields?: LogFields): void;
  /** Rate-limited log for events a remote party can trigger at will (rejections). */
  logAbuse(level: LogLevel, message: string, fields?: LogFields): void;
  /** Deliver a Raft frame (a private copy) from an authenticated peer. */
  deliverRaft(from: string, frame: Uint8Array): void;
  /** Optional check of a Raft frame from `from`; throw to reject it (closes the link). */
  readonly validateRaftFrame?: (from: string, frame: Uint8Array) => void;
  /** The UDP port a peer announced in its handshake. */
  peerUdpPort(peerId: string, port: number): void;
  /** A link came up or went down. */
  linkChanged(peerId: string, up: boolean): void;
}

export const PING_PAYLOAD_BYTES = 8;
