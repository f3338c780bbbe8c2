/**
 * One-shot reactions to cluster events, for nemesis scenarios that need to
 * strike at a precise moment ("when the next leader is elected, isolate
 * it"). Each waiter has a deadline; if the event does not come in time the
 * waiter's fallback runs instead, so a scenario always ends.
 */
import type { NodeId } from '@raftkit/core';

export type ClusterEvent =
  /** A node became leader; `cause`: its own election timer, a leadership transfer, or a forced campaign. */
  | {
      readonly kind: 'leaderElected';
      readonly node: NodeId;
      readonly term: number;
      readonly cause: 'timeout' | 'transfer' | 'campaign';
    }
  /** A leader's commit index advanced. */
  | {
      readonly kind: 'leaderCommitted';
      readonly node: NodeId;
      readonly commit: number;
      readonly term: number;
    }
  /** A node acknowledged a committed write to a client. */
  | { readonly kind: 'writeAcked'; readonly node: NodeId };

interface Waiter {
  readonly match: (e: ClusterEvent) => boolean;
  readonly act: (e: ClusterEvent) => void;
  readonly deadline: number;
  readonly onTimeout: () => void;
  done: boolean;
}

export class Reactions {
  private waiters: Waiter[] = [];

  constructor(
    private readonly schedule: (time: number, fn: () => void) => void,
    private readonly now: () => number,
  ) {}

  get pending(): number {
    return this.waiters.length;
  }

  /** Runs `act` on the first event matching `match` before `deadline`, else `onTimeout` at the deadline. */
  when(
    match: (e: ClusterEvent) => boolean,
    act: (e: ClusterEvent) => void,
    deadline: number,
    onTimeout: () => void,
  ): void {
    const w: Waiter = { match, act, deadline, onTimeout, done: false };
    this.waiters.push(w);
    this.schedule(deadline, () => {
      if (w.done) return;
      w.done = true;
      this.waiters = this.waiters.filter((x) => x !== w);
      onTimeout();
    });
  }

  emit(e: ClusterEvent): void {
    if (this.waiters.length === 0) return;
    const matched = this.waiters.filter((w) => !w.done && w.match(e));
    if (matched.length === 0) return;
    for (const w of matched) w.done = true;
    this.waiters = this.waiters.filter((w) => !w.done);
    // Hosts emit from inside their own step: act a moment later, never re-entrantly.
    for (const w of matched) this.schedule(this.now(), () => w.act(e));
  }

  /** Forgets every waiter without running anything (the final heal). */
  clear(): void {
    for (const w of this.waiters) w.done = true;
    this.waiters = [];
  }
}
