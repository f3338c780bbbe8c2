/**
 * Typed errors of @raftkit/net. Every connection that is closed because of bad
 * input carries one `RejectReason`; the same reason labels the metrics and the log.
 */

/** Why a connection (or a frame on it) was refused. */
export type RejectReason =
  /** The peer speaks another protocol version. */
  | 'versionMismatch'
  /** The peer belongs to another cluster. */
  | 'wrongCluster'
  /** A node id that is not in this node's peer list (or is our own id). */
  | 'unknownNode'
  /** The HMAC proof did not verify: the peer does not know the shared secret. */
  | 'badAuth'
  /** The handshake did not complete within its deadline (slow-loris protection). */
  | 'handshakeTimeout'
  /** A frame that cannot be parsed (bad length, bad body, bad field). */
  | 'malformedFrame'
  /** A frame whose announced length exceeds the limit; rejected before its body is buffered. */
  | 'oversizedFrame'
  /** A well-formed frame of a kind that is not allowed in the connection's state. */
  | 'unexpectedFrame'
  /** A node dialed us although the tie-break says we dial it (one connection per pair). */
  | 'wrongDialer'
  /** We dialed an address expecting one node id and found another. */
  | 'wrongPeer'
  /** Too many connections are still in their handshake. */
  | 'tooManyPending'
  /** The TLS layer refused the connection (bad or missing certificate, protocol error). */
  | 'tlsError'
  /** The peer does not read: a frame that may not be dropped did not fit in the send queue. */
  | 'sendQueueOverflow'
  /** Nothing was received for longer than the idle timeout (half-open or stopped peer). */
  | 'idleTimeout'
  /** The peer closed the connection (or the socket failed) before the handshake completed. */
  | 'closedDuringHandshake';

export const REJECT_REASONS: readonly RejectReason[] = [
  'versionMismatch',
  'wrongCluster',
  'unknownNode',
  'badAuth',
  'handshakeTimeout',
  'malformedFrame',
  'oversizedFrame',
  'unexpectedFrame',
  'wrongDialer',
  'wrongPeer',
  'tooManyPending',
  'tlsError',
  'sendQueueOverflow',
  'idleTimeout',
  'closedDuringHandshake',
];

export function isRejectReason(value: unknown): value is RejectReason {
  return typeof value === 'string' && (REJECT_REASONS as readonly string[]).includes(value);
}

/** Base class of every error @raftkit/net throws: callers can switch on `code`. */
export class NetError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad options (missing secret, secret too short, bad address, ...). */
export class NetConfigError extends NetError {
  constructor(message: string) {
    super('NET_CONFIG', message);
  }
}

/** A frame that violates the framing rules. */
export class FrameError extends NetError {
  constructor(
    readonly reason: 'oversizedFrame' | 'malformedFrame',
    message: string,
  ) {
    super('FRAME', message);
  }
}

/**
 * A connection was refused or closed for a reason. `byPeer` is true when the
 * remote side told us its reason (a REJECT frame), false when we decided.
 */
export class ConnectionRejectedError extends NetError {
  constructor(
    readonly reason: RejectReason,
    message: string,
    readonly byPeer = false,
  ) {
    super('REJECTED', message);
  }
}

/** A backup file (`raftkit snapshot save`) that cannot be used: truncated, altered, or not a backup at all. */
export class SnapshotFileError extends NetError {
  constructor(
    readonly file: string,
    readonly reason: 'notABackup' | 'unsupportedVersion' | 'truncated' | 'checksum' | 'badHeader',
    detail: string,
  ) {
    super('SNAPSHOT_FILE', `${file}: ${detail}`);
  }
}

/** This node was removed from the cluster's configuration: it stops serving (start a new member with --join). */
export class RemovedFromClusterError extends NetError {
  constructor(
    readonly nodeId: string,
    detail: string,
  ) {
    super('REMOVED', `node ${nodeId} was removed from the cluster (${detail})`);
  }
}

/** A `raftkit node --config FILE` that cannot be used: unreadable, not JSON/YAML, an unknown key or a value of the wrong type. */
export class ConfigFileError extends NetConfigError {
  constructor(
    readonly file: string,
    readonly key: string | null,
    detail: string,
  ) {
    super(`${file}${key === null ? '' : `: ${key}`}: ${detail}`);
  }
}
