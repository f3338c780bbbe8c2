/**
 * Driving one RaftNode by hand: step crafted messages in, look at what comes
 * out. Every Ready is persisted to the node's MemoryStorage and advanced, as
 * a correct host would.
 */
import {
  type Entry,
  type HardState,
  MemoryStorage,
  type Message,
  type NodeId,
  type ProposalOutcome,
  type RaftConfig,
  RaftNode,
  type ReadState,
  type RoleTransition,
} from '@raftkit/core';
import { persistReady } from './persist.js';

export type NodeOptions = Partial<Omit<RaftConfig, 'id' | 'storage'>>;

export interface Drained {
  messages: Message[];
  entries: Entry[];
  committed: Entry[];
  readStates: ReadState[];
  outcomes: ProposalOutcome[];
  transitions: RoleTransition[];
  hardStates: HardState[];
}

export class Harnessed {
  constructor(
    readonly node: RaftNode,
    readonly storage: MemoryStorage,
  ) {}

  get status() {
    return this.node.status();
  }

  /** Process every pending Ready; returns what they contained. */
  drain(): Drained {
    const out: Drained = {
      messages: [],
      entries: [],
      committed: [],
      readStates: [],
      outcomes: [],
      transitions: [],
      hardStates: [],
    };
    while (this.node.hasReady()) {
      const rd = this.node.ready();
      persistReady(this.storage, rd);
      out.messages.push(...rd.messages);
      out.entries.push(...rd.entries);
      out.committed.push(...rd.committedEntries);
      out.readStates.push(...rd.readStates);
      out.outcomes.push(...rd.outcomes);
      out.transitions.push(...rd.transitions);
      if (rd.hardState) out.hardStates.push(rd.hardState);
      this.node.advance();
    }
    return out;
  }

  /** step each message, then drain. */
  stepAll(...msgs: Message[]): Drained {
    for (const m of msgs) this.node.step(m);
    return this.drain();
  }

  ticks(n: number): Drained {
    for (let i = 0; i < n; i++) this.node.tick();
    return this.drain();
  }
}

export interface MakeNodeInit {
  readonly entries?: readonly Entry[];
  readonly hardState?: HardState;
}

/** A node `id` of a cluster of `peers`, its storage preloaded with `init`. */
export function makeNode(
  id: NodeId,
  peers: readonly NodeId[],
  opts: NodeOptions = {},
  init: MakeNodeInit = {},
): Harnessed {
  const storage = new MemoryStorage({ entries: init.entries, hardState: init.hardState });
  const node = new RaftNode({ seed: 1, electionTicks: 10, heartbeatTicks: 1, ...opts, id, peers, storage });
  const h = new Harnessed(node, storage);
  h.drain();
  return h;
}

/** Tick until the node's role changes from `from` (bounded). Returns the ticks taken. */
export function tickUntilRoleChanges(h: Harnessed, limit = 1000): number {
  const from = h.node.status().role;
  for (let i = 1; i <= limit; i++) {
    h.node.tick();
    if (h.node.status().role !== from) return i;
  }
  throw new Error(`role stayed ${from} for ${limit} ticks`);
}

/** Make `h` the leader of term `term`+1 by feeding it the votes it asks for. */
export function makeLeader(h: Harnessed): Drained {
  h.node.campaign();
  let d = h.drain();
  const all: Drained = { ...d };
  for (let round = 0; round < 2 && h.node.status().role !== 'leader'; round++) {
    const reqs = d.messages.filter((m) => m.type === 'preVote' || m.type === 'vote');
    for (const r of reqs) {
      h.node.step({
        type: r.type === 'preVote' ? 'preVoteResp' : 'voteResp',
        from: r.to,
        to: r.from,
        term: r.term,
        reject: false,
      });
    }
    d = h.drain();
    for (const k of Object.keys(all) as (keyof Drained)[]) (all[k] as unknown[]).push(...(d[k] as unknown[]));
  }
  if (h.node.status().role !== 'leader') throw new Error('makeLeader: did not become leader');
  return all;
}
