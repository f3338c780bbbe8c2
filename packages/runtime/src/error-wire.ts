import {
  AppError,
  ClusterClosedError,
  ConfChangePendingError,
  InvalidRequestError,
  LeaderNotReadyError,
  LearnerNotCaughtUpError,
  MembershipChangeError,
  NodeStoppedError,
  NotLeaderError,
  ProposalDroppedError,
  QuarantinedError,
  RuntimeError,
  StorageError,
  type StorageErrorKind,
  TimeoutError,
  TooLargeError,
} from './errors.js';

/**
 * Errors cross thread boundaries as plain objects (structured clone drops the
 * class), and are rebuilt into the same typed classes on the other side.
 */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly nodeId?: string | null;
  readonly leaderHint?: string | null;
  readonly reason?: string;
  readonly indeterminate?: boolean;
  readonly kind?: string;
  readonly path?: string;
  readonly detail?: string;
  readonly index?: number | null;
  readonly bytes?: number | null;
  readonly limit?: number | null;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof NotLeaderError) {
    return { code: err.code, message: err.message, nodeId: err.nodeId, leaderHint: err.leaderHint };
  }
  if (err instanceof QuarantinedError) {
    return { code: err.code, message: err.message, nodeId: err.nodeId, leaderHint: err.leaderHint };
  }
  if (err instanceof ProposalDroppedError) {
    return {
      code: err.code,
      message: err.message,
      reason: err.reason,
      indeterminate: err.indeterminate,
      leaderHint: err.leaderHint,
    };
  }
  if (err instanceof MembershipChangeError) {
    return { code: err.code, message: err.message, reason: err.reason, leaderHint: err.leaderHint };
  }
  if (err instanceof StorageError) {
    const detail = err.message.slice(err.message.indexOf(': ') + 2);
    return { code: err.code, message: err.message, kind: err.kind, path: err.path, detail };
  }
  if (err instanceof TooLargeError) {
    return { code: err.code, message: err.message, bytes: err.bytes, limit: err.limit };
  }
  if (err instanceof AppError) return { code: err.code, message: err.message, index: err.index };
  if (err instanceof NodeStoppedError) return { code: err.code, message: err.message, nodeId: err.nodeId };
  if (err instanceof RuntimeError) return { code: err.code, message: err.message };
  if (err instanceof Error) {
    // Errors of @raftkit/core (RaftError) carry a string code, some a leader hint.
    const e = err as unknown as { code?: unknown; leaderHint?: unknown };
    const code = typeof e.code === 'string' ? e.code : 'INTERNAL';
    const leaderHint = typeof e.leaderHint === 'string' ? e.leaderHint : null;
    return { code, message: `${err.name}: ${err.message}`, leaderHint };
  }
  return { code: 'INTERNAL', message: String(err) };
}

export function fromWireError(w: WireError): Error {
  switch (w.code) {
    case 'NOT_LEADER':
      return new NotLeaderError(w.nodeId ?? null, w.leaderHint ?? null, w.message);
    case 'DROPPED':
      return new ProposalDroppedError(
        w.reason ?? 'unknown',
        w.indeterminate ?? true,
        w.leaderHint ?? null,
        w.message,
      );
    case 'QUARANTINED':
      return new QuarantinedError(w.nodeId ?? null, w.leaderHint ?? null, w.message);
    case 'APP_ERROR':
      return new AppError(w.message, w.index ?? null);
    case 'TOO_LARGE':
      return new TooLargeError(w.bytes ?? null, w.limit ?? null, w.message);
    case 'TIMEOUT':
      return new TimeoutError(w.message);
    case 'NODE_STOPPED':
      return new NodeStoppedError(w.nodeId ?? '?');
    case 'CLUSTER_CLOSED':
      return new ClusterClosedError();
    case 'INVALID_REQUEST':
      return new InvalidRequestError(w.message);
    case 'CONF_CHANGE_PENDING':
      return new ConfChangePendingError(w.leaderHint ?? null, w.message);
    case 'LEARNER_NOT_CAUGHT_UP':
      return new LearnerNotCaughtUpError(w.leaderHint ?? null, w.message);
    case 'LEADER_NOT_READY':
      return new LeaderNotReadyError(w.leaderHint ?? null, w.message);
    default:
      if (w.code.startsWith('STORAGE_') && w.path !== undefined) {
        return new StorageError((w.kind ?? 'io') as StorageErrorKind, w.path, w.detail ?? w.message);
      }
      return new RuntimeError(w.code, w.message);
  }
}
