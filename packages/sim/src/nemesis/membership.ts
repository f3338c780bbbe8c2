/**
 * The membership operator: beside the nemesis' faults it changes the
 * cluster's configuration the way an operator (or an autoscaler) would, with
 * single-server changes through the leader:
 *
 * - add a learner: a spare machine (never used, or wiped after its removal)
 *   starts empty, bootstrapped with the current voters and itself as a
 *   learner, and the leader adds it (it catches up from the log or, once the
 *   log is compacted, from a chunked snapshot);
 * - promote a learner (retried while the leader says it is not caught up);
 * - remove a voter, sometimes the leader itself, sometimes one that is
 *   crashed or cut off at that moment (it never hears of its removal and keeps
 *   campaigning), or a learner.
 *
 * What becomes of a removed machine is drawn once its removal committed: it
 * keeps running (a forgotten process that may campaign forever), it is stopped,
 * or it is stopped and wiped, after which it may join again later under the
 * same id. The number of voters wanders around a target drawn from the seed
 * (4 voters more often than others: the shape overlapping changes need).
 *
 * The operator never acts while a change is pending (the leader's newest
 * configuration is not committed) or a nemesis scenario owns the cluster, and
 * wipes only machines whose removal it saw committed: a wiped voter would be
 * data loss, not a fault Raft is meant to survive.
 */
import type { ConfChange, NodeId, ProposalOutcome, SeededRng } from '@raftkit/core';
import type { FaultTarget, LeaderView, MembershipControl, NemesisFaults } from './fault-target.js';

/** What is done with a machine once its removal committed. */
export type RemovedFate = 'keepRunning' | 'stop' | 'wipe';

interface InFlight {
  readonly change: ConfChange;
  readonly until: number;
}

const MAX_MEMBERS = 7;
/** Chance per operator round that a member loses its disk and restarts under its old id. */
const AMNESIA_CHANCE = 0.06;
const MIN_VOTERS = 3;

export class MembershipOperator {
  private inFlight: InFlight | null = null;
  private targetVoters: number;
  /** Removed machines that keep running, until maybe retired later. */
  private readonly lingering = new Set<NodeId>();
  /** Joiners started for an addLearner whose fate is not settled. */
  private readonly joining = new Set<NodeId>();
  /** Members wiped in place (amnesia), until the repair (remove, wipe, re-add) took them out. */
  private readonly amnesiac = new Set<NodeId>();
  readonly stats: Record<string, number> = {};

  constructor(
    private readonly nemesis: NemesisFaults,
    private readonly control: MembershipControl,
    private readonly rng: SeededRng,
    private readonly initialVoters: number,
  ) {
    this.targetVoters = this.drawTarget();
  }

  private get t(): FaultTarget {
    return this.nemesis.target;
  }

  start(at: number): void {
    this.t.at(at, () => this.act());
  }

  private count(what: string): void {
    this.stats[what] = (this.stats[what] ?? 0) + 1;
  }

  private drawTarget(): number {
    const n = this.initialVoters;
    const weights: Record<string, number> = { '3': 1, '4': 3 };
    weights[String(n)] = (weights[String(n)] ?? 0) + 1;
    weights[String(Math.min(n + 1, MAX_MEMBERS - 1))] = 0.5;
    return Number(this.rng.weighted(weights));
  }

  private act(): void {
    const t = this.t;
    const n = this.nemesis;
    // Repairs go on after the heal (an amnesiac member left in place would never converge).
    if (n.healed && this.amnesiac.size === 0) return;
    t.at(t.now + this.rng.int(8, 30) * t.tickUs, () => this.act());
    // After the heal a scenario that was running never finishes (it hears no more events).
    if (n.scenarios.running !== null && !n.healed) return;
    if (this.inFlight !== null && t.now < this.inFlight.until) return;
    this.inFlight = null;
    const v = this.control.view();
    if (v === null || v.pendingConfIndex !== 0) return;
    if (this.repairAmnesiac(v) || n.healed) return;
    this.tidy(v);
    if (this.rng.chance(AMNESIA_CHANCE) && this.wipeInPlace(v)) return;
    const voters = v.conf.voters;
    const members = voters.length + v.conf.learners.length;
    const learner = v.conf.learners.find((id) => v.caughtUpLearners.includes(id)) ?? v.conf.learners[0];
    if (this.rng.chance(0.1)) this.targetVoters = this.drawTarget();

    if (learner !== undefined && (voters.length < this.targetVoters || this.rng.chance(0.25))) {
      this.propose(v, { type: 'promote', node: learner });
    } else if (voters.length > this.targetVoters && voters.length > MIN_VOTERS) {
      this.remove(v);
    } else if (members < MAX_MEMBERS && (voters.length < this.targetVoters || this.rng.chance(0.5))) {
      if (!this.addLearner(v) && voters.length > MIN_VOTERS) this.remove(v);
    } else if (voters.length > MIN_VOTERS && this.rng.chance(0.5)) {
      this.remove(v); // churn: a later round adds a machine again
    } else if (learner !== undefined && this.rng.chance(0.3)) {
      this.propose(v, { type: 'remove', node: learner });
    }
  }

  /**
   * Amnesia: a member (not the leader) that is up loses its disk and restarts
   * empty under its old id. Its new incarnation's votes and acknowledgements
   * must not count (core README, "Identity") until the repair below.
   */
  private wipeInPlace(v: LeaderView): boolean {
    const t = this.t;
    if (this.amnesiac.size > 0) return false;
    // Only where the voters left intact can still elect a leader to repair it (a majority).
    const voters = v.conf.voters.length;
    const intactIfVoterLost = voters - 1 >= Math.floor(voters / 2) + 1;
    const candidates = [...v.conf.voters, ...v.conf.learners].filter(
      (id) =>
        id !== v.leader &&
        t.isUp(id) &&
        this.control.isHosted(id) &&
        (intactIfVoterLost || !v.conf.voters.includes(id)),
    );
    if (candidates.length === 0) return false;
    const id = this.rng.pick(candidates);
    t.log(`membership: ${id} loses its disk and restarts under its old id (amnesia)`);
    this.count('amnesia');
    this.amnesiac.add(id);
    this.control.wipeInPlace(id);
    return true;
  }

  /** The repair of an amnesiac member: remove it, wipe it again, later re-add it as a new learner. */
  private repairAmnesiac(v: LeaderView): boolean {
    for (const id of [...this.amnesiac]) {
      const member = v.conf.voters.includes(id) || v.conf.learners.includes(id);
      if (!member) {
        this.amnesiac.delete(id);
        if (this.control.isHosted(id)) this.retire(id, 'wipe');
        continue;
      }
      if (id === v.leader || (v.conf.voters.length === 1 && v.conf.voters[0] === id)) continue;
      this.t.log(`membership: repair ${id} (amnesia): remove, wipe, re-add later`);
      this.propose(v, { type: 'remove', node: id }, (o) => {
        if (o.status === 'committed') {
          this.amnesiac.delete(id);
          this.count('repaired');
          this.retire(id, 'wipe');
        }
      });
      return true;
    }
    return false;
  }

  /** Settles machines that are running but not members: failed joiners and removed ones. */
  private tidy(v: LeaderView): void {
    const members = new Set([...v.conf.voters, ...v.conf.learners]);
    for (const id of [...this.joining]) {
      if (members.has(id)) this.joining.delete(id);
    }
    for (const id of [...this.lingering]) {
      if (members.has(id) || !this.control.isHosted(id)) {
        this.lingering.delete(id);
        continue;
      }
      if (this.rng.chance(0.2)) {
        this.t.log(`membership: ${id} (removed) campaigns`);
        this.t.campaign(id);
      }
      if (this.rng.chance(0.08)) {
        this.lingering.delete(id);
        this.retire(id, 'wipe');
      }
    }
  }

  private addLearner(v: LeaderView): boolean {
    const spares = this.control.spares().filter((id) => !this.joining.has(id));
    if (spares.length === 0) return false;
    const id = this.rng.pick(spares);
    const t = this.t;
    t.log(`membership: ${id} starts empty to join as a learner`);
    const incarnation = this.control.startJoiner(id, v.conf);
    this.joining.add(id);
    const appended = this.propose(v, { type: 'addLearner', node: id, incarnation }, (o) => {
      if (o.status === 'dropped' && o.reason !== 'termChanged') {
        // Never appended, or overwritten (it can never commit): the machine goes back to the spares.
        this.joining.delete(id);
        this.retire(id, 'wipe');
      }
    });
    if (!appended) {
      this.joining.delete(id);
      this.retire(id, 'wipe');
    }
    return true;
  }

  private remove(v: LeaderView): void {
    const t = this.t;
    const rng = this.rng;
    const voters = v.conf.voters;
    const away = voters.filter((id) => id !== v.leader && (!t.isUp(id) || !t.network.canReach(v.leader, id)));
    let victim: NodeId;
    const r = rng.float();
    if (r < 0.25) victim = v.leader;
    else if (r < 0.5 && away.length > 0) victim = rng.pick(away);
    else victim = rng.pick(voters);
    if (victim !== v.leader && t.isUp(victim) && rng.chance(0.25)) {
      // It will not hear of its removal: it keeps campaigning with its old configuration.
      this.nemesis.networkFault(`membership: isolate ${victim} before removing it`, () =>
        t.network.isolate(victim),
      );
    }
    this.propose(v, { type: 'remove', node: victim }, (o) => {
      if (o.status === 'committed') this.removed(victim);
    });
  }

  /** `id`'s removal committed: decide what becomes of the machine. */
  private removed(id: NodeId): void {
    if (this.nemesis.healed || !this.control.isHosted(id)) return;
    const fate = this.rng.weighted<RemovedFate>({ keepRunning: 4, stop: 2, wipe: 3 });
    this.count(`removed:${fate}`);
    if (fate === 'keepRunning') {
      this.t.log(`membership: ${id} was removed and keeps running`);
      this.lingering.add(id);
    } else {
      this.retire(id, fate);
    }
  }

  private retire(id: NodeId, how: 'stop' | 'wipe'): void {
    if (!this.control.isHosted(id)) return;
    this.t.log(`membership: ${id} is ${how === 'wipe' ? 'stopped and wiped' : 'stopped'}`);
    this.control.decommission(id, how === 'wipe');
  }

  private propose(v: LeaderView, change: ConfChange, then?: (o: ProposalOutcome) => void): boolean {
    const t = this.t;
    const what = `${change.type} ${change.node}`;
    let appended = false;
    try {
      appended = this.control.propose(v.leader, change, (o) => {
        this.count(o.status === 'committed' ? `${change.type}:committed` : `dropped:${o.reason}`);
        t.log(
          `membership: ${what} ${o.status === 'committed' ? `committed at ${o.index}` : `dropped (${o.reason})`}`,
        );
        if (this.inFlight?.change === change) this.inFlight = null;
        then?.(o);
      });
    } catch (err) {
      // The change does not fit the leader's configuration (it moved on since the view was taken).
      t.log(`membership: ${what} refused: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
    t.log(`membership: ${v.leader} proposes ${what}${appended ? '' : ' (not appended)'}`);
    if (appended) {
      this.count(change.type);
      this.inFlight = { change, until: t.now + 60 * t.tickUs };
    }
    return appended;
  }
}
