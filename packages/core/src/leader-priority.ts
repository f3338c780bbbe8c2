/**
 * Leader priority. Every node has a `priority` (config, integer >= 0,
 * default 0) and tells its leader on each heartbeat response. A leader that
 * sees an *eligible* voter with a strictly higher priority than its own, the
 * same one for `priorityTransferDelayTicks` in a row, hands leadership to it
 * (`transferLeadership`). Eligible: a voter the leader replicates to normally
 * that holds every committed entry, is `healthy` (failure detector), is not
 * quarantined and has not diverged. Strictly higher only: equal priorities
 * never hand over, so there is no ping-pong; after a handover the new leader
 * has the highest priority in sight. A higher-priority node with a stale log
 * never wins an election on its own: the vote restriction (§5.4.1) refuses it,
 * and the leader only transfers to a caught-up node.
 */
import type { NodeId } from './types.js';

export interface TransferCandidate {
  readonly id: NodeId;
  readonly priority: number;
  readonly eligible: boolean;
  readonly match: number;
}

/**
 * The best eligible candidate with a priority above `above` (null: any
 * priority): highest priority, then most caught up, then smallest id.
 */
export function bestTransferCandidate(
  candidates: readonly TransferCandidate[],
  above: number | null,
): TransferCandidate | null {
  let best: TransferCandidate | null = null;
  for (const c of candidates) {
    if (!c.eligible || (above !== null && c.priority <= above)) continue;
    if (
      best === null ||
      c.priority > best.priority ||
      (c.priority === best.priority && (c.match > best.match || (c.match === best.match && c.id < best.id)))
    ) {
      best = c;
    }
  }
  return best;
}

/** The stabilisation delay: the same target must stay best for `delayTicks` before a transfer starts. */
export class PriorityTransferPolicy {
  private target: NodeId | null = null;
  private since = 0;

  constructor(private readonly delayTicks: number) {}

  /** A new leadership (or a transfer just started): the clock starts over. */
  reset(now: number): void {
    this.target = null;
    this.since = now;
  }

  /** Called every leader tick with the current best target; returns the node to transfer to now, if any. */
  step(best: NodeId | null, now: number): NodeId | null {
    if (best !== this.target) {
      this.target = best;
      this.since = now;
    }
    if (best === null || now - this.since < this.delayTicks) return null;
    this.since = now; // should this attempt fail, the next one waits a full delay again
    return best;
  }
}
