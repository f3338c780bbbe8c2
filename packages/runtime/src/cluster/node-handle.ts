import type { ConfChange, NodeId } from '@raftkit/core';
import type {
  CorruptionResult,
  HashCheckResult,
  ReadConsistency,
  ReadResult,
  RuntimeNodeStatus,
  StateSnapshot,
} from '../control/api.js';
import { ClusterClosedError, NodeStoppedError } from '../errors.js';
import type { NodeProcess } from './node-process.js';

/** What a handle needs from its cluster: the node's current incarnation. */
export interface HandleHost {
  current(id: NodeId): NodeProcess | null;
  readonly closed: boolean;
}

/**
 * `cluster.node(id)`: the control API of one node, stable across restarts
 * (each call goes to the node's current actor). Calls on a node that is not
 * running reject with NodeStoppedError; on a closed cluster with
 * ClusterClosedError. Other failures are the typed errors of errors.ts.
 */
export class NodeHandle {
  constructor(
    readonly id: NodeId,
    private readonly host: HandleHost,
  ) {}

  /** Whether the node's actor is running now. */
  get running(): boolean {
    return this.host.current(this.id)?.running ?? false;
  }

  status(): Promise<RuntimeNodeStatus> {
    return this.proc().then((p) => p.call((api) => api.status()));
  }

  /** Propose bytes; resolves with the state machine's result once committed and applied on this node. */
  propose(data: Uint8Array): Promise<unknown> {
    return this.proc().then((p) => p.propose(data));
  }

  /** Read `key` from this node's state machine with the given consistency. */
  read(key: string, consistency: ReadConsistency = 'linearizable'): Promise<ReadResult> {
    return this.proc().then((p) => p.read(key, consistency));
  }

  /** Run an app machine's read-only `query(q)` on this node with the given consistency. */
  query(q: unknown, consistency: ReadConsistency = 'linearizable'): Promise<ReadResult> {
    return this.proc().then((p) => p.query(q, consistency));
  }

  /** Hand leadership to `to`; resolves once `to` leads. This node must be the leader. */
  transferLeadership(to: NodeId): Promise<void> {
    return this.proc().then((p) => p.call((api) => api.transferLeadership(to)));
  }

  /**
   * Propose a membership change on this node, which must be the leader
   * (else NotLeaderError with a hint). Resolves with the change's log index
   * once it is committed and applied here. Refusals are typed:
   * ConfChangePendingError (one change at a time), LearnerNotCaughtUpError,
   * LeaderNotReadyError (only after the actor retried for 3 election
   * timeouts), InvalidRequestError (the change does not fit the
   * configuration). This changes the configuration only: `cluster.addNode` /
   * `cluster.removeNode` also start and stop the workers.
   */
  proposeConfChange(change: ConfChange): Promise<number> {
    return this.proc()
      .then((p) => p.call((api) => api.confChange(change)))
      .then((r) => r.index);
  }

  /** Leader only: add `node` as a learner (it receives the log, never votes). */
  addLearner(node: NodeId): Promise<number> {
    return this.proposeConfChange({ type: 'addLearner', node });
  }

  /** Leader only: make a caught-up learner a voter. */
  promote(node: NodeId): Promise<number> {
    return this.proposeConfChange({ type: 'promote', node });
  }

  /** Leader only: remove a voter or learner (the leader itself too: it steps down once the change commits). */
  removeNode(node: NodeId): Promise<number> {
    return this.proposeConfChange({ type: 'remove', node });
  }

  /** Start an election on this node now. */
  campaign(): Promise<void> {
    return this.proc().then((p) => p.call((api) => Promise.resolve(api.campaign())));
  }

  /** Recompute this node's state hash from a snapshot on the side-work pool and compare. */
  verifyStateHash(): Promise<HashCheckResult> {
    return this.proc().then((p) => p.call((api) => api.verifyStateHash()));
  }

  /**
   * Test hook: flip one applied value in this node's state machine (the KV
   * store's `corruptForTesting`), bypassing the log, so its state diverges
   * from the other replicas. Resolves with what changed. The next checkpoint
   * exposes it: a `divergence` alert and the node's quarantine.
   */
  injectCorruption(key?: string): Promise<CorruptionResult> {
    return this.proc().then((p) => p.call((api) => Promise.resolve(api.injectCorruption(key))));
  }

  /** Quarantine this node by hand: it serves no reads, extends no lease, hands leadership over. */
  quarantine(reason: string): Promise<void> {
    return this.proc().then((p) => p.call((api) => Promise.resolve(api.quarantine(reason))));
  }

  /** End a quarantine (a `diverged` one also ends by itself once a later checkpoint matches). */
  releaseQuarantine(): Promise<void> {
    return this.proc().then((p) => p.call((api) => Promise.resolve(api.releaseQuarantine())));
  }

  /** The state machine's snapshot at its applied index. */
  snapshotState(): Promise<StateSnapshot> {
    return this.proc().then((p) => p.call((api) => Promise.resolve(api.snapshotState())));
  }

  private proc(): Promise<NodeProcess> {
    if (this.host.closed) return Promise.reject(new ClusterClosedError());
    const p = this.host.current(this.id);
    if (!p?.running) return Promise.reject(new NodeStoppedError(this.id));
    return Promise.resolve(p);
  }
}
