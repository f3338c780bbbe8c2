/**
 * Facts derived from the recorded role transitions: leader tenures, elections
 * and terms, and how long a deposed leader went on believing it led.
 */
import type { LifecycleView, TransitionView } from './model.js';

export interface LeaderTenure {
  readonly node: string;
  readonly term: number;
  readonly from: number;
  /** When it stopped leading (stepped down or was killed); `now` if it still leads. */
  readonly to: number;
}

export function leaderTenures(
  transitions: readonly TransitionView[],
  lifecycle: readonly LifecycleView[],
  now: number,
): LeaderTenure[] {
  const open = new Map<string, { term: number; from: number }>();
  const out: LeaderTenure[] = [];
  const events = [
    ...transitions.map((t) => ({ at: t.at, t, l: null as LifecycleView | null })),
    ...lifecycle.map((l) => ({ at: l.at, t: null as TransitionView | null, l })),
  ].sort((a, b) => a.at - b.at);
  const close = (node: string, at: number) => {
    const o = open.get(node);
    if (!o) return;
    out.push({ node, term: o.term, from: o.from, to: at });
    open.delete(node);
  };
  for (const ev of events) {
    if (ev.t) {
      if (ev.t.from === 'leader') close(ev.t.node, ev.at);
      if (ev.t.to === 'leader') open.set(ev.t.node, { term: ev.t.term, from: ev.at });
    } else if (ev.l?.kind === 'down') {
      close(ev.l.node, ev.at);
    }
  }
  for (const node of [...open.keys()]) close(node, now);
  return out.sort((a, b) => a.from - b.from);
}

export interface StaleLeadership {
  readonly node: string;
  readonly term: number;
  /** How long it believed it led after a leader of a higher term had been elected. */
  readonly ms: number;
}

/** The longest time any leader kept leading after a newer term's leader existed (null: never happened). */
export function longestStaleLeadership(tenures: readonly LeaderTenure[]): StaleLeadership | null {
  let worst: StaleLeadership | null = null;
  for (const t of tenures) {
    const successor = tenures.find((o) => o.term > t.term && o.from >= t.from && o.from < t.to);
    if (!successor) continue;
    const ms = t.to - successor.from;
    if (!worst || ms > worst.ms) worst = { node: t.node, term: t.term, ms };
  }
  return worst;
}

export interface ElectionStats {
  /** Elections won: terms in which a node became leader. */
  readonly elections: number;
  /** Campaigns that bumped the term (observed transitions into candidate). */
  readonly campaigns: number;
  /** Pre-Vote rounds (observed transitions into preCandidate). */
  readonly preVotes: number;
  readonly maxTerm: number;
  /** The leader of each term that had one, in order. */
  readonly leaders: readonly { readonly term: number; readonly node: string }[];
}

/**
 * Elections and terms, from the role transitions alone: the clusters wire
 * their events before the nodes start, so the transitions are complete from
 * the first election on.
 */
export function electionStats(transitions: readonly TransitionView[]): ElectionStats {
  const won = new Map<number, Set<string>>();
  let maxTerm = 0;
  let campaigns = 0;
  let preVotes = 0;
  for (const t of transitions) {
    maxTerm = Math.max(maxTerm, t.term);
    if (t.to === 'candidate') campaigns++;
    if (t.to === 'preCandidate') preVotes++;
    if (t.to === 'leader') won.set(t.term, (won.get(t.term) ?? new Set()).add(t.node));
  }
  const leaders = [...won]
    .sort((a, b) => a[0] - b[0])
    .flatMap(([term, nodes]) => [...nodes].map((node) => ({ term, node })));
  return { elections: won.size, campaigns, preVotes, maxTerm, leaders };
}

/** Two leaders in one term: what Raft's election safety forbids (the report shows none). */
export function sameTermLeaders(
  claims: ReadonlyMap<number, ReadonlySet<string>>,
): { term: number; nodes: string[] }[] {
  return [...claims].filter(([, s]) => s.size > 1).map(([term, s]) => ({ term, nodes: [...s] }));
}
