import type { NodeId } from '@raftkit/core';
import { InvalidRequestError } from '../errors.js';

/**
 * Per-link message faults, with the simulator nemesis' meanings:
 * - `drop`: probability that a message is lost;
 * - `delayMs`: extra one-way latency, a fixed number or a uniform [min, max]
 *   range (a range reorders messages);
 * - `duplicate`: probability that a message is delivered twice.
 */
export interface LinkFaults {
  readonly drop: number;
  readonly delayMs: number | readonly [number, number];
  readonly duplicate: number;
}

/** Which directed links a fault rule applies to; an absent end matches any node. */
export interface LinkSelector {
  readonly from?: NodeId;
  readonly to?: NodeId;
}

export const NO_FAULTS: LinkFaults = Object.freeze({ drop: 0, delayMs: 0, duplicate: 0 });

export function isNoFaults(f: LinkFaults): boolean {
  const d = f.delayMs;
  const noDelay = typeof d === 'number' ? d <= 0 : d[1] <= 0;
  return f.drop <= 0 && f.duplicate <= 0 && noDelay;
}

/**
 * The router's fault table: who can reach whom (partitions, isolation,
 * one-way cuts) and the message faults of each directed link. Pure data, so
 * it is cheap to consult per batch and easy to test.
 */
export class FaultTable {
  /** Group number per node while partitioned; a node listed in no group is cut off from all. */
  private groups: Map<NodeId, number> | null = null;
  private readonly isolated = new Set<NodeId>();
  /** Directed cuts "from->to". */
  private readonly cuts = new Set<string>();
  /** Fault rules by selector key: "from|to" with "*" for any. */
  private readonly rules = new Map<string, LinkFaults>();
  private version = 0;
  private readonly listeners = new Set<() => void>();

  /** Bumped on every change, so a caller can cache decisions per version. */
  get generation(): number {
    return this.version;
  }

  /**
   * Call `listener` synchronously after every change (the router recomputes
   * its direct links there, before the changing call returns). Returns a
   * function that removes it.
   */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  /** True when no fault of any kind is configured (the router's fast path). */
  get clean(): boolean {
    return this.groups === null && this.isolated.size === 0 && this.cuts.size === 0 && this.rules.size === 0;
  }

  /**
   * Split the network into groups that cannot reach each other. As in the
   * simulator, a node named in no group is isolated. Replaces any previous
   * partition (isolations and cuts stay until heal()).
   */
  partition(groups: readonly (readonly NodeId[])[]): void {
    const map = new Map<NodeId, number>();
    groups.forEach((g, i) => {
      for (const id of g) {
        if (map.has(id)) throw new InvalidRequestError(`node ${id} appears in more than one partition group`);
        map.set(id, i);
      }
    });
    this.groups = map;
    this.changed();
  }

  /** Cut one node off from every other node (in both directions), on top of any partition. */
  isolate(id: NodeId): void {
    this.isolated.add(id);
    this.changed();
  }

  /** Block one direction only: messages from `from` to `to` are lost (an asymmetric partition). */
  cut(from: NodeId, to: NodeId): void {
    this.cuts.add(`${from}\u0000${to}`);
    this.changed();
  }

  /** Remove every partition, isolation, cut and link fault: a healthy network. */
  heal(): void {
    this.groups = null;
    this.isolated.clear();
    this.cuts.clear();
    this.rules.clear();
    this.changed();
  }

  /**
   * Set message faults on the links matching `sel` (all links by default).
   * Fields not given are 0. The most specific rule wins per link
   * (from+to over from-only or to-only over all-links). All-zero faults
   * remove the rule.
   */
  setLinkFaults(faults: Partial<LinkFaults>, sel: LinkSelector = {}): void {
    const f: LinkFaults = { ...NO_FAULTS, ...faults };
    validateFaults(f);
    const key = `${sel.from ?? '*'}|${sel.to ?? '*'}`;
    if (isNoFaults(f)) this.rules.delete(key);
    else this.rules.set(key, f);
    this.changed();
  }

  /** Can a message from `from` reach `to` at all? */
  reachable(from: NodeId, to: NodeId): boolean {
    if (this.isolated.size > 0 && (this.isolated.has(from) || this.isolated.has(to))) return false;
    if (this.groups !== null) {
      const g = this.groups.get(from);
      if (g === undefined || g !== this.groups.get(to)) return false;
    }
    if (this.cuts.size > 0 && this.cuts.has(`${from}\u0000${to}`)) return false;
    return true;
  }

  /** Message faults of one directed link, or null when it has none. */
  faultsOf(from: NodeId, to: NodeId): LinkFaults | null {
    if (this.rules.size === 0) return null;
    return (
      this.rules.get(`${from}|${to}`) ??
      this.rules.get(`${from}|*`) ??
      this.rules.get(`*|${to}`) ??
      this.rules.get('*|*') ??
      null
    );
  }

  /** A plain description for status displays and tests. */
  describe(): {
    groups: NodeId[][] | null;
    isolated: NodeId[];
    cuts: [NodeId, NodeId][];
    links: { from: NodeId | null; to: NodeId | null; faults: LinkFaults }[];
  } {
    let groups: NodeId[][] | null = null;
    if (this.groups) {
      const byGroup = new Map<number, NodeId[]>();
      for (const [id, g] of this.groups) byGroup.set(g, [...(byGroup.get(g) ?? []), id]);
      groups = [...byGroup.values()];
    }
    return {
      groups,
      isolated: [...this.isolated],
      cuts: [...this.cuts].map((k) => k.split('\u0000') as [NodeId, NodeId]),
      links: [...this.rules].map(([k, faults]) => {
        const [from, to] = k.split('|');
        return { from: from === '*' ? null : from, to: to === '*' ? null : to, faults };
      }),
    };
  }
}

function validateFaults(f: LinkFaults): void {
  const prob = (name: string, p: number) => {
    if (!(p >= 0 && p <= 1))
      throw new InvalidRequestError(`${name} must be a probability in [0, 1], got ${p}`);
  };
  prob('drop', f.drop);
  prob('duplicate', f.duplicate);
  const d = f.delayMs;
  const [lo, hi] = typeof d === 'number' ? [d, d] : d;
  if (!(lo >= 0 && hi >= lo && Number.isFinite(hi))) {
    throw new InvalidRequestError(`delayMs must be >= 0 (or a [min, max] range), got ${JSON.stringify(d)}`);
  }
}
