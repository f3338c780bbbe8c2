import type { ConfChange, ConfChangeType, ConfState, NodeId } from '@raftkit/core';
import {
  ClusterClosedError,
  InvalidRequestError,
  MembershipChangeError,
  NodeStoppedError,
  NotLeaderError,
  ProposalDroppedError,
  TimeoutError,
} from '../errors.js';
import type { NodeHandle } from './node-handle.js';

/** What the membership steps need from the cluster (declared here: the cluster imports this module). */
export interface MembershipHost {
  readonly closed: boolean;
  waitForLeader(opts: { readonly timeoutMs?: number }): Promise<NodeId>;
  node(id: NodeId): NodeHandle;
}

export interface StepResult {
  readonly leader: NodeId;
  /** Log index of the committed change (0: the configuration already had it). */
  readonly index: number;
  /** The leader's configuration once the change is in force. */
  readonly conf: ConfState;
}

/** Whether `conf` already reflects the step (so proposing it again would be refused). */
function stepDone(step: ConfChangeType, node: NodeId, conf: ConfState): boolean {
  switch (step) {
    case 'addLearner':
      return conf.learners.includes(node) || conf.voters.includes(node);
    case 'promote':
      return conf.voters.includes(node);
    case 'remove':
      return !conf.voters.includes(node) && !conf.learners.includes(node);
    case 'bind':
      return conf.incarnations?.[node] !== undefined;
  }
}

/**
 * Get one single-server change committed through whoever leads, until
 * `deadline` (performance.now() ms): find the leader, skip the step if its
 * configuration already has it, wait while another change is pending, then
 * propose and wait for the commit. Leader changes, a not-yet-ready leader, a
 * learner still catching up (promote) and an indeterminate outcome are
 * retried; the step is idempotent, because each attempt first looks at the
 * configuration in force. Anything else is thrown.
 */
export async function commitStep(
  host: MembershipHost,
  step: ConfChangeType,
  node: NodeId,
  deadline: number,
  pollMs: number,
  /** addLearner: the new member's incarnation and address. */
  identity: Pick<ConfChange, 'incarnation' | 'address'> = {},
): Promise<StepResult> {
  let last: unknown = null;
  let refusedOnce = false;
  for (;;) {
    if (host.closed) throw new ClusterClosedError();
    const left = deadline - performance.now();
    if (left <= 0) {
      const why = last instanceof Error ? last.message : last ? String(last) : 'no leader';
      throw new TimeoutError(`membership change ${step} ${node} did not commit in time (last: ${why})`);
    }
    try {
      const leader = await host.waitForLeader({ timeoutMs: left });
      const handle = host.node(leader);
      const st = await handle.status();
      if (st.role === 'leader' && st.pendingConfIndex === 0 && stepDone(step, node, st.conf)) {
        return { leader, index: 0, conf: st.conf };
      }
      if (st.role !== 'leader' || st.pendingConfIndex !== 0) {
        last = st.role !== 'leader' ? `${leader} is no longer leader` : 'another change is pending';
        await pause(pollMs);
        continue;
      }
      const index = await withDeadline(handle.proposeConfChange({ type: step, node, ...identity }), left);
      const after = await handle.status().catch(() => st);
      return { leader, index, conf: after.conf };
    } catch (err) {
      last = err;
      if (err instanceof InvalidRequestError && !refusedOnce) {
        // The configuration moved between our look and the proposal: look again (once).
        refusedOnce = true;
      } else if (!retriable(err)) throw err;
      await pause(pollMs);
    }
  }
}

function retriable(err: unknown): boolean {
  return (
    err instanceof NotLeaderError ||
    err instanceof NodeStoppedError ||
    err instanceof ProposalDroppedError ||
    err instanceof MembershipChangeError ||
    err instanceof TimeoutError
  );
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new TimeoutError(`no commit within ${Math.round(ms)} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Retry pacing (not a wait for a condition). */
function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
