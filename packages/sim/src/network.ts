/**
 * The simulated network between nodes: who can reach whom (partitions,
 * one-way cuts, bridge and ring topologies, isolation) and what happens to a
 * message on a link that works (latency with a long tail, loss, duplication,
 * reordering). All randomness comes from the SeededRng handed in, so a seed fixes
 * the fate of every message.
 *
 * Reachability is checked when a message is sent and again when it arrives
 * (the host does the second check): like a firewall rule, a partition also
 * drops the messages that were on the wire when it started.
 */
import type { NodeId, SeededRng } from '@raftkit/core';

/** How a working link behaves. Times are virtual microseconds. */
export interface LinkProfile {
  /** Fixed part of the one-way latency. */
  readonly baseLatencyUs: number;
  /** Mean of the exponential tail added to every message. */
  readonly jitterUs: number;
  /** Probability a message is lost. */
  readonly loss: number;
  /** Probability a message is delivered twice (the copy gets its own latency). */
  readonly duplicate: number;
  /** Probability a message is held back by an extra delay, so later messages overtake it. */
  readonly reorder: number;
  /** Upper bound of the extra delay of a held-back message. */
  readonly reorderDelayUs: number;
  /**
   * Heavy tail: probability that a message meets a latency spike (a congested
   * queue, a GC pause on a router), which adds up to `spikeUs`. Absent or 0: none.
   */
  readonly spikeChance?: number;
  readonly spikeUs?: number;
}

export const DEFAULT_LINK: LinkProfile = {
  baseLatencyUs: 300,
  jitterUs: 700,
  loss: 0.002,
  duplicate: 0.002,
  reorder: 0.01,
  reorderDelayUs: 20_000,
};

export type Topology =
  | { readonly kind: 'full' }
  | { readonly kind: 'partition'; readonly groups: readonly (readonly NodeId[])[] }
  | {
      readonly kind: 'bridge';
      readonly left: readonly NodeId[];
      readonly right: readonly NodeId[];
      readonly bridge: NodeId;
    }
  | { readonly kind: 'ring'; readonly order: readonly NodeId[] }
  | { readonly kind: 'isolate'; readonly node: NodeId };

export class NetworkModel {
  private readonly nodes: NodeId[];
  /** Directed links that drop everything: key `${from}>${to}`. */
  private readonly cut = new Set<string>();
  /** One-way cuts layered on top of the topology (kept separately so that describe() can say so). */
  private readonly oneWay = new Set<string>();
  private readonly linkOverrides = new Map<string, LinkProfile>();
  private topology: Topology = { kind: 'full' };

  constructor(
    nodes: readonly NodeId[],
    private readonly rng: SeededRng,
    private readonly defaults: LinkProfile = DEFAULT_LINK,
  ) {
    this.nodes = nodes.slice();
  }

  get members(): readonly NodeId[] {
    return this.nodes;
  }

  /** A node joining the network (membership changes): reachable from everyone, subject to the current topology. */
  addNode(id: NodeId): void {
    if (!this.nodes.includes(id)) this.nodes.push(id);
    this.applyTopology(this.topology);
  }

  removeNode(id: NodeId): void {
    const i = this.nodes.indexOf(id);
    if (i >= 0) this.nodes.splice(i, 1);
  }

  canReach(from: NodeId, to: NodeId): boolean {
    if (from === to) return true;
    const key = linkKey(from, to);
    return !this.cut.has(key) && !this.oneWay.has(key);
  }

  currentTopology(): Topology {
    return this.topology;
  }

  /** Splits the nodes into groups that cannot talk to each other. Nodes in no group are isolated. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.applyTopology({ kind: 'partition', groups: groups.map((g) => g.slice()) });
  }

  /**
   * Two groups that cannot talk to each other except through `bridge`, which
   * talks to both (the classic "bridge" nemesis: two majorities overlapping in one node).
   */
  bridge(left: readonly NodeId[], right: readonly NodeId[], bridge: NodeId): void {
    this.applyTopology({ kind: 'bridge', left: left.slice(), right: right.slice(), bridge });
  }

  /** Each node talks only to its two neighbours in `order`. */
  ring(order: readonly NodeId[]): void {
    this.applyTopology({ kind: 'ring', order: order.slice() });
  }

  /** Cuts `node` off from everyone, both ways. */
  isolate(node: NodeId): void {
    this.applyTopology({ kind: 'isolate', node });
  }

  /** Drops everything from `from` to `to`, leaving the other direction alone. */
  cutOneWay(from: NodeId, to: NodeId): void {
    if (from !== to) this.oneWay.add(linkKey(from, to));
  }

  /** Overrides the behaviour of the directed link from -> to (e.g. a lossy or slow link). */
  degradeLink(from: NodeId, to: NodeId, profile: Partial<LinkProfile>): void {
    const key = linkKey(from, to);
    this.linkOverrides.set(key, { ...(this.linkOverrides.get(key) ?? this.defaults), ...profile });
  }

  /** Every link works again and behaves as the defaults say. */
  heal(): void {
    this.topology = { kind: 'full' };
    this.cut.clear();
    this.oneWay.clear();
    this.linkOverrides.clear();
  }

  /** True when some fault (cut, one-way cut or degraded link) is in force. */
  isFaulty(): boolean {
    return this.cut.size > 0 || this.oneWay.size > 0 || this.linkOverrides.size > 0;
  }

  /**
   * Decides the fate of one message sent at `now`: the list of virtual times
   * at which copies arrive (empty: lost or cut; two entries: duplicated).
   */
  route(from: NodeId, to: NodeId, now: number): number[] {
    if (!this.canReach(from, to)) return [];
    const link = this.linkOverrides.get(linkKey(from, to)) ?? this.defaults;
    const rng = this.rng;
    if (rng.chance(link.loss)) return [];
    const first = now + this.latency(link);
    if (!rng.chance(link.duplicate)) return [first];
    return [first, now + this.latency(link)];
  }

  /** One-way latency of a client request or reply (clients sit beside the cluster, outside its partitions). */
  clientLatency(): number {
    return this.latency(this.defaults);
  }

  describe(): string {
    const parts: string[] = [describeTopology(this.topology)];
    if (this.oneWay.size > 0) parts.push(`oneWay[${[...this.oneWay].sort().join(',')}]`);
    if (this.linkOverrides.size > 0)
      parts.push(`degraded[${[...this.linkOverrides.keys()].sort().join(',')}]`);
    return parts.join(' ');
  }

  private latency(link: LinkProfile): number {
    const rng = this.rng;
    let delay = link.baseLatencyUs + rng.exponential(link.jitterUs);
    if (rng.chance(link.reorder)) delay += rng.float() * link.reorderDelayUs;
    // Drawn only on links that have spikes, so that the other links' streams stay as they were.
    if (link.spikeChance && rng.chance(link.spikeChance)) delay += rng.float() * (link.spikeUs ?? 0);
    return Math.max(1, Math.round(delay));
  }

  private applyTopology(topology: Topology): void {
    this.topology = topology;
    this.cut.clear();
    const allowed = allowedPairs(topology, this.nodes);
    if (allowed === null) return;
    for (const a of this.nodes) {
      for (const b of this.nodes) {
        if (a !== b && !allowed(a, b)) this.cut.add(linkKey(a, b));
      }
    }
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}

/** A predicate telling which (undirected) pairs may talk under a topology; null means all. */
function allowedPairs(t: Topology, nodes: readonly NodeId[]): ((a: NodeId, b: NodeId) => boolean) | null {
  switch (t.kind) {
    case 'full':
      return null;
    case 'partition': {
      const groupOf = new Map<NodeId, number>();
      t.groups.forEach((g, i) => {
        for (const n of g) groupOf.set(n, i);
      });
      return (a, b) => groupOf.has(a) && groupOf.get(a) === groupOf.get(b);
    }
    case 'bridge': {
      const left = new Set(t.left);
      const right = new Set(t.right);
      const side = (n: NodeId) =>
        n === t.bridge ? 'bridge' : left.has(n) ? 'left' : right.has(n) ? 'right' : 'none';
      return (a, b) => {
        const sa = side(a);
        const sb = side(b);
        if (sa === 'none' || sb === 'none') return false;
        return sa === 'bridge' || sb === 'bridge' || sa === sb;
      };
    }
    case 'ring': {
      const pos = new Map<NodeId, number>();
      t.order.forEach((n, i) => {
        pos.set(n, i);
      });
      const n = t.order.length;
      return (a, b) => {
        const pa = pos.get(a);
        const pb = pos.get(b);
        if (pa === undefined || pb === undefined) return false;
        const d = Math.abs(pa - pb);
        return d === 1 || d === n - 1;
      };
    }
    case 'isolate':
      return (a, b) => a !== t.node && b !== t.node && nodes.includes(a) && nodes.includes(b);
  }
}

export function describeTopology(t: Topology): string {
  switch (t.kind) {
    case 'full':
      return 'full';
    case 'partition':
      return `partition[${t.groups.map((g) => g.join(',')).join(' | ')}]`;
    case 'bridge':
      return `bridge[${t.left.join(',')} <${t.bridge}> ${t.right.join(',')}]`;
    case 'ring':
      return `ring[${t.order.join('-')}]`;
    case 'isolate':
      return `isolate[${t.node}]`;
  }
}
