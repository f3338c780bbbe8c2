import { constants as osConstants } from 'node:os';
import type { NodeId } from '@raftkit/core';

/**
 * Base class of every error @raftkit/runtime raises. `code` is stable and is
 * what crosses thread boundaries (see error-wire.ts), so callers can switch on
 * it or use `instanceof` on the main thread.
 */
export class RuntimeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The node is not (or no longer) the leader. `leaderHint` is who it believes leads, if anyone. */
export class NotLeaderError extends RuntimeError {
  constructor(
    readonly nodeId: NodeId | null,
    readonly leaderHint: NodeId | null,
    message?: string,
  ) {
    super(
      'NOT_LEADER',
      message ??
        `node ${nodeId ?? '?'} is not the leader${leaderHint ? ` (leader hint: ${leaderHint})` : ''}`,
    );
  }
}

/**
 * The operation did not finish in time. For writes the outcome is UNKNOWN: it
 * may still commit. Retrying with the same client session is safe.
 */
export class TimeoutError extends RuntimeError {
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}

/** The node's actor is stopped, killed or restarting; nothing was done. */
export class NodeStoppedError extends RuntimeError {
  constructor(readonly nodeId: NodeId) {
    super('NODE_STOPPED', `node ${nodeId} is not running`);
  }
}

/**
 * The app's state machine refused the request: its `apply` threw (every
 * replica caught the same throw, the state is unchanged, the cluster goes on)
 * or its `query` threw. `message` is the thrown error's message; `index` the
 * command's log index (null for a query).
 */
export class AppError extends RuntimeError {
  constructor(
    message: string,
    readonly index: number | null,
  ) {
    super('APP_ERROR', message);
  }
}

/** The cluster was closed; nothing more can be done with it. */
export class ClusterClosedError extends RuntimeError {
  constructor() {
    super('CLUSTER_CLOSED', 'the cluster is closed');
  }
}

/**
 * A proposal or read ended without a result for a reason other than "not the
 * leader". `indeterminate` is true when the entry may still commit later
 * (leadership changed after it was appended): retry with the same session.
 */
export class ProposalDroppedError extends RuntimeError {
  constructor(
    readonly reason: string,
    readonly indeterminate: boolean,
    readonly leaderHint: NodeId | null,
    message?: string,
  ) {
    super('DROPPED', message ?? `proposal dropped: ${reason}${indeterminate ? ' (outcome unknown)' : ''}`);
  }
}

/**
 * The node is quarantined: its state diverged from the cluster's (found by
 * checkpoint comparison) or the host quarantined it. It serves no reads
 * until it is repaired (`cluster.repair(id)`) or released. Nothing was read.
 */
export class QuarantinedError extends RuntimeError {
  constructor(
    readonly nodeId: NodeId | null,
    readonly leaderHint: NodeId | null = null,
    message?: string,
  ) {
    super(
      'QUARANTINED',
      message ??
        `node ${nodeId ?? '?'} is quarantined (state divergence suspected): it serves no reads` +
          (leaderHint ? ` (leader hint: ${leaderHint})` : ''),
    );
  }
}

/**
 * What went wrong with a node's store: `missing` (expected, not there),
 * `corrupt` (a checksum or format check failed), `inconsistent` (records
 * contradict each other), `locked` (another process or thread has it open),
 * `permission` (the OS refused access), `noSpace` (disk or quota full), `io`
 * (any other operating-system error).
 */
export type StorageErrorKind =
  | 'missing'
  | 'corrupt'
  | 'inconsistent'
  | 'locked'
  | 'permission'
  | 'noSpace'
  | 'io';

/**
 * A node's durable store cannot be used: missing files where a store was
 * expected, a truncated or corrupt file, or metadata that contradicts the log.
 * Never answered by silently starting an empty node.
 */
export class StorageError extends RuntimeError {
  constructor(
    readonly kind: StorageErrorKind,
    readonly path: string,
    detail: string,
  ) {
    super(`STORAGE_${kind.toUpperCase()}`, `storage ${kind} at ${path}: ${detail}`);
  }
}

/**
 * An operating-system error met while `doing` something at `path`, as the
 * StorageError kind that says what it is (permission, disk full, other io),
 * with the path and the errno code in the message. A StorageError passes through.
 */
export function storageErrorFrom(error: unknown, path: string, doing: string): StorageError {
  if (error instanceof StorageError) return error;
  const code = errnoName((error as { code?: unknown } | null)?.code);
  const kind: StorageErrorKind =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? 'permission'
      : code === 'ENOSPC' || code === 'EDQUOT'
        ? 'noSpace'
        : 'io';
  const what =
    kind === 'noSpace'
      ? 'no space left on the device'
      : kind === 'permission'
        ? 'permission denied'
        : 'i/o error';
  return new StorageError(
    kind,
    path,
    `${doing}: ${what} (${code ?? (error as Error)?.message ?? String(error)})`,
  );
}

/** Node's errno names are strings; lmdb-js reports the raw number. */
function errnoName(code: unknown): string | undefined {
  if (typeof code === 'string') return code;
  if (typeof code !== 'number') return undefined;
  const found = Object.entries(osConstants.errno).find(([, n]) => n === code);
  return found ? found[0] : `errno ${code}`;
}

/**
 * A request larger than what the cluster accepts (a proposal above
 * `maxProposalBytes`, a client request above the transport's frame limit):
 * refused at once, nothing was applied. Never retried: it would never fit.
 */
export class TooLargeError extends RuntimeError {
  constructor(
    readonly bytes: number | null,
    readonly limit: number | null,
    message?: string,
  ) {
    super(
      'TOO_LARGE',
      message ??
        `the request is ${bytes ?? '?'} bytes, above the limit of ${limit ?? '?'} bytes: refused, nothing was applied`,
    );
  }
}

/** A request that the runtime rejects before doing anything (bad arguments, unknown node). */
export class InvalidRequestError extends RuntimeError {
  constructor(message: string) {
    super('INVALID_REQUEST', message);
  }
}

/** Core drop reasons of a membership change that the runtime reports as their own errors. */
export type MembershipRefusal = 'confChangePending' | 'learnerNotCaughtUp' | 'leaderNotReady';

/**
 * A membership change was refused before anything was appended: nothing
 * changed. `leaderHint` is who leads, if known. Subclasses name the reason.
 */
export class MembershipChangeError extends RuntimeError {
  constructor(
    code: string,
    readonly reason: MembershipRefusal,
    readonly leaderHint: NodeId | null,
    message: string,
  ) {
    super(code, message);
  }
}

/** Another membership change is still in flight (one at a time); retry once it has committed. */
export class ConfChangePendingError extends MembershipChangeError {
  constructor(leaderHint: NodeId | null = null, message?: string) {
    super(
      'CONF_CHANGE_PENDING',
      'confChangePending',
      leaderHint,
      message ?? 'another membership change is in flight (one change at a time)',
    );
  }
}

/** `promote` of a learner that has not caught up with the leader's log yet. */
export class LearnerNotCaughtUpError extends MembershipChangeError {
  constructor(leaderHint: NodeId | null = null, message?: string) {
    super(
      'LEARNER_NOT_CAUGHT_UP',
      'learnerNotCaughtUp',
      leaderHint,
      message ?? 'the learner has not caught up with the leader yet',
    );
  }
}

/**
 * The leader has not committed an entry of its own term yet, so it accepts no
 * membership change (single-server change safety rule). The runtime retries
 * this internally; it surfaces only after the retry deadline.
 */
export class LeaderNotReadyError extends MembershipChangeError {
  constructor(leaderHint: NodeId | null = null, message?: string) {
    super(
      'LEADER_NOT_READY',
      'leaderNotReady',
      leaderHint,
      message ?? 'the leader has not committed an entry of its term yet',
    );
  }
}
