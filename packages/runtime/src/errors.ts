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

/** What went wrong with a node's store. */
export type StorageErrorKind = 'missing' | 'corrupt' | 'inconsistent' | 'locked' | 'io';

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

/** A request that the runtime rejects before doing anything (bad arguments, unknown node). */
export class InvalidRequestError extends RuntimeError {
  constructor(message: string) {
    super('INVALID_REQUEST', message);
  }
}
