/**
 * The simulation's side of membership changes: which machines exist, which
 * run as cluster nodes, and what joining and leaving does to them. Implements
 * the `MembershipControl` the operator and the nemesis scenarios use.
 *
 * A joining machine starts with empty storage, bootstrapped as the core
 * documents: `peers` = the current voters, `learners` = the current learners
 * and itself; it waits for the leader's addLearner to reach it. A
 * decommissioned machine stops for good (faults no longer restart it); a
 * wiped one also loses its disk, and may join again (same id) after a
 * cool-down longer than any message can stay in flight, so that nothing its
 * previous life sent can still reach the cluster.
 */
import type { ConfChange, ConfState, NodeId, ProposalOutcome } from '@raftkit/core';
import type { LeaderView, MembershipControl } from './nemesis/index.js';
import type { NetworkModel } from './network.js';
import type { SimNode } from './sim-node.js';

export interface HostEnv {
  readonly now: number;
  readonly tickUs: number;
  /** The machines running as nodes (the simulation's list; this class adds and removes). */
  readonly hosted: NodeId[];
  readonly network: NetworkModel;
  /** The node object of `id` (created on first use). */
  node(id: NodeId): SimNode;
  leader(): NodeId | null;
  start(node: SimNode): void;
  crash(node: SimNode): void;
  /** Runs `fn` as its own event at virtual time `time`. */
  at(time: number, fn: () => void): void;
  log(text: string): void;
}

/** Ticks a wiped machine stays idle before it may join again. */
const REJOIN_COOL_DOWN_TICKS = 30;

export class MembershipHost implements MembershipControl {
  private readonly wipedAt = new Map<NodeId, number>();
  /** Machines stopped for good with their disk (never reused). */
  private readonly retired = new Set<NodeId>();
  private lastVoters: readonly NodeId[];
  /** Every machine there is: the initial voters and the spares. */
  private readonly machines: readonly NodeId[];
  readonly stats = { joined: 0, rejoined: 0, decommissioned: 0, wiped: 0, amnesia: 0 };

  constructor(
    private readonly env: HostEnv,
    /** Machines beyond the initial voters that may join. */
    spareIds: readonly NodeId[],
  ) {
    this.lastVoters = env.hosted.slice();
    this.machines = [...env.hosted, ...spareIds];
  }

  view(): LeaderView | null {
    const leader = this.env.leader();
    if (leader === null) return null;
    const raft = this.env.node(leader).raft;
    if (raft === null) return null;
    const st = raft.status();
    this.lastVoters = st.conf.voters;
    const lag = 4;
    const caughtUpLearners = st.progress
      .filter(
        (p) => p.isLearner && p.state === 'replicate' && p.recentActive && p.match + lag >= st.commitIndex,
      )
      .map((p) => p.id);
    return { leader, term: st.term, conf: st.conf, pendingConfIndex: st.pendingConfIndex, caughtUpLearners };
  }

  /** Voters of the configuration in force as the leader sees it (the last known when none leads). */
  voters(): readonly NodeId[] {
    const leader = this.env.leader();
    const raft = leader === null ? null : this.env.node(leader).raft;
    if (raft !== null) this.lastVoters = raft.status().conf.voters;
    return this.lastVoters;
  }

  propose(leader: NodeId, change: ConfChange, done: (o: ProposalOutcome) => void): boolean {
    const env = this.env;
    // The outcome arrives while the leader handles a Ready: act on it as an event of its own
    // (it may stop or wipe that very node), never inside the leader's Ready.
    return env.node(leader).proposeConfChange(change, (o) => env.at(env.now, () => done(o)));
  }

  spares(): readonly NodeId[] {
    const now = this.env.now;
    return this.machines.filter((id) => {
      if (this.env.hosted.includes(id) || this.retired.has(id)) return false;
      const wiped = this.wipedAt.get(id);
      return wiped === undefined || now - wiped >= REJOIN_COOL_DOWN_TICKS * this.env.tickUs;
    });
  }

  startJoiner(id: NodeId, conf: ConfState): number {
    const env = this.env;
    const node = env.node(id);
    if (env.hosted.includes(id)) return node.storeIncarnation;
    node.bootstrap = {
      voters: [...conf.voters],
      learners: [...conf.learners.filter((l) => l !== id), id],
      incarnations: { ...conf.incarnations, [id]: node.storeIncarnation },
    };
    if (this.wipedAt.delete(id)) this.stats.rejoined++;
    else this.stats.joined++;
    env.hosted.push(id);
    env.network.addNode(id);
    env.log(
      `${id} JOINS as incarnation ${node.storeIncarnation} (bootstrap voters ${node.bootstrap.voters.join(',')})`,
    );
    env.start(node);
    return node.storeIncarnation;
  }

  decommission(id: NodeId, wipe: boolean): void {
    const env = this.env;
    const i = env.hosted.indexOf(id);
    if (i < 0) return;
    const node = env.node(id);
    env.crash(node);
    env.hosted.splice(i, 1);
    env.network.removeNode(id);
    this.stats.decommissioned++;
    if (wipe) {
      node.wipe();
      this.wipedAt.set(id, env.now);
      this.stats.wiped++;
      env.log(`${id} DECOMMISSIONED and wiped`);
    } else {
      this.retired.add(id);
      env.log(`${id} DECOMMISSIONED`);
    }
  }

  isHosted(id: NodeId): boolean {
    return this.env.hosted.includes(id);
  }

  wipeInPlace(id: NodeId): void {
    const env = this.env;
    if (!env.hosted.includes(id)) return;
    const node = env.node(id);
    env.crash(node);
    node.wipe();
    this.stats.amnesia++;
    env.log(
      `${id} LOSES ITS DISK and restarts empty under its old id as incarnation ${node.storeIncarnation}`,
    );
    env.start(node);
  }
}
