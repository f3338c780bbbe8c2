import { type ConfChange, type NodeId, type ProposalOutcome, RaftError, type RaftNode } from '@raftkit/core';
import { InvalidRequestError } from '../errors.js';
import { dropError, fail, ok, type Resolve } from './waiters.js';

interface Request {
  readonly change: ConfChange;
  readonly resolve: Resolve<{ index: number }>;
  /** Tick after which a 'leaderNotReady' drop is reported instead of retried. */
  readonly retryUntilTick: number;
}

/**
 * Membership changes proposed on this node, waiting for their outcome and
 * then for their entry to be applied here. A change dropped 'leaderNotReady'
 * (a new leader that has not committed an entry of its term yet) is proposed
 * again on the next tick, until a deadline; every other refusal is answered
 * at once with its typed error.
 */
export class ConfChangeRequests {
  private readonly byProposal = new Map<number, Request>();
  private readonly awaitingApply = new Map<number, Request>();
  private retrying: Request[] = [];

  constructor(
    private readonly self: NodeId,
    private readonly retryTicks: number,
  ) {}

  get pending(): number {
    return this.byProposal.size + this.awaitingApply.size + this.retrying.length;
  }

  /** Changes dropped 'leaderNotReady' that will be proposed again on the next tick. */
  get awaitingRetry(): number {
    return this.retrying.length;
  }

  submit(node: RaftNode, change: ConfChange, resolve: Resolve<{ index: number }>): void {
    this.propose(node, { change, resolve, retryUntilTick: node.status().tick + this.retryTicks });
  }

  private propose(node: RaftNode, req: Request): void {
    let id: number;
    try {
      id = node.proposeConfChange(req.change);
    } catch (err) {
      // A change that does not fit the configuration: nothing was recorded.
      const bad = err instanceof RaftError && err.code === 'INVALID_ARGUMENT';
      req.resolve(fail(bad ? new InvalidRequestError(err.message) : err));
      return;
    }
    this.byProposal.set(id, req);
  }

  /** Returns true when the outcome belonged to a membership change. */
  onOutcome(o: ProposalOutcome, node: RaftNode, appliedIndex: number): boolean {
    if (this.byProposal.size === 0) return false;
    const req = this.byProposal.get(o.id);
    if (!req) return false;
    this.byProposal.delete(o.id);
    if (o.status === 'dropped') {
      if (o.reason === 'leaderNotReady' && node.status().tick < req.retryUntilTick) this.retrying.push(req);
      else req.resolve(fail(dropError(this.self, o.reason, o.leaderHint)));
      return true;
    }
    // Committed (index, term): whatever is applied at that index is this entry.
    if (appliedIndex >= o.index) req.resolve(ok({ index: o.index }));
    else this.awaitingApply.set(o.index, req);
    return true;
  }

  onApplied(appliedIndex: number): void {
    if (this.awaitingApply.size === 0) return;
    for (const [index, req] of this.awaitingApply) {
      if (index > appliedIndex) continue;
      this.awaitingApply.delete(index);
      req.resolve(ok({ index }));
    }
  }

  /** Propose again what a not-yet-ready leader dropped. */
  onTick(node: RaftNode): void {
    if (this.retrying.length === 0) return;
    const again = this.retrying;
    this.retrying = [];
    for (const req of again) this.propose(node, req);
  }

  failAll(reply: ReturnType<typeof fail>): void {
    for (const r of this.byProposal.values()) r.resolve(reply);
    for (const r of this.awaitingApply.values()) r.resolve(reply);
    for (const r of this.retrying) r.resolve(reply);
    this.byProposal.clear();
    this.awaitingApply.clear();
    this.retrying = [];
  }
}
