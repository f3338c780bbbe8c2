/**
 * Multi-step nemesis scenarios that react to cluster events. Each one aims
 * at a schedule that random faults almost never produce but that real
 * clusters do meet, and that a broken Raft turns into a safety violation:
 *
 * - figure8: the schedule of Raft's Figure 8 (an old leader's uncommitted
 *   entries, a newer leader whose entries stay on its disk alone, the old
 *   entries replicated again under a third leader that dies right after
 *   committing, and the isolated leader returning).
 * - duel: a candidate wins, its voters reboot right after voting and the
 *   winner is cut off; a rival still in the old term then asks the same
 *   voters for the same term (five nodes or more).
 * - powerFailure: every node loses power at once, often right after a write
 *   was acknowledged (what was acknowledged must have been synced).
 * - leaderKiller: for a while every new leader dies a few milliseconds after
 *   winning, leaving partly replicated logs behind.
 * - restartVoters: the leader goes away and voters crash right after voting.
 * - cutLeaderLink: only the link between the leader and one follower fails;
 *   that follower campaigns, and stickiness must keep the others with the
 *   live leader (or its lease is worth nothing).
 *
 * Every step has a deadline; a scenario that cannot proceed heals what it
 * broke, so faults never outlive the nemesis' final heal.
 */
import type { NodeId } from '@raftkit/core';
import type { NemesisFaults, ScenarioName } from './fault-target.js';
import type { ClusterEvent } from './reactions.js';

export class Scenarios {
  /** Until this time every newly elected leader is killed shortly after winning. */
  private leaderKillerUntil = 0;
  /** The multi-step scenario in progress: it owns the network until it ends. */
  running: ScenarioName | null = null;

  constructor(private readonly n: NemesisFaults) {}

  observe(e: ClusterEvent): void {
    if (e.kind === 'leaderElected' && this.n.target.now < this.leaderKillerUntil) this.killSoon(e.node);
  }

  private get electionUs(): number {
    return this.n.opts.electionTicks * this.n.target.tickUs;
  }

  leaderKiller(): boolean {
    const t = this.n.target;
    this.leaderKillerUntil = Math.min(this.n.opts.healAt, t.now + this.n.duration());
    t.log(`nemesis leaderKiller until ${this.leaderKillerUntil}us`);
    return true;
  }

  /** Kills a fresh leader after 0-10 ms: long enough to replicate part of its log, too short to finish. */
  private killSoon(id: NodeId): void {
    const { target: t, rng } = this.n;
    const delay = rng.int(0, 10_000);
    const crash = rng.chance(0.6);
    t.at(t.now + delay, () => {
      if (this.n.healed || !t.isUp(id) || t.leader() !== id) return;
      if (crash && this.n.canTakeDown(id)) this.n.crash('leaderKiller', id, rng.int(1, 15) * t.tickUs);
      else this.n.networkFault('leaderKiller', () => t.network.isolate(id));
    });
  }

  restartVoters(leader: NodeId | null): boolean {
    const { target: t, rng } = this.n;
    const ids = t.nodeIds();
    const voters = rng.shuffle(ids.filter((id) => id !== leader)).slice(0, rng.int(1, ids.length - 1));
    for (const id of voters) t.armCrash(id, 'afterVoteSent', rng.int(50, 2_000));
    t.log(`nemesis restartVoters ${voters.join(',')}`);
    if (leader !== null) {
      if (this.n.canTakeDown(leader)) this.n.crash('restartVoters', leader, this.n.duration());
      else this.n.networkFault('restartVoters', () => t.network.isolate(leader));
    }
    return true;
  }

  /** All nodes crash at once, now or within 0.3 ms after the next write acknowledged to a client. */
  powerFailure(): boolean {
    const { target: t, rng } = this.n;
    const crashAll = () => {
      if (this.n.healed) return;
      t.log('nemesis crashAll (power failure)');
      for (const id of t.nodeIds()) {
        if (!t.isUp(id)) continue;
        const gen = this.n.bumpNodeFault(id);
        t.crash(id);
        t.at(t.now + rng.int(1, 20) * t.tickUs, () => {
          if (this.n.nodeFaultGenerationOf(id) === gen && !t.isUp(id)) t.restart(id);
        });
      }
    };
    if (rng.chance(0.5)) {
      crashAll();
    } else {
      t.log('nemesis crashAll armed: after the next acknowledged write');
      this.n.reactions.when(
        (e) => e.kind === 'writeAcked',
        () => t.at(t.now + rng.int(0, 300), crashAll),
        t.now + 2 * this.electionUs,
        crashAll,
      );
    }
    return true;
  }

  figure8(leader: NodeId | null): boolean {
    if (leader === null) return false;
    const n = this.n;
    const { target: t, rng } = n;
    if (this.running !== null) return false;
    this.running = 'figure8';
    const { minority, majority } = n.splitAround(leader);
    const deadline = () => t.now + 4 * this.electionUs;
    const giveUp = (why: string) => () => {
      t.log(`nemesis figure8 stops: ${why}`);
      this.running = null;
      n.healNetwork();
    };
    // 1. The old leader keeps taking writes in a minority: uncommitted entries of its term.
    n.networkFault('figure8 (old leader in minority)', () => t.network.partition([minority, majority]), null);
    n.reactions.when(
      (e) => e.kind === 'leaderElected' && majority.includes(e.node),
      (e) => {
        // 2. The majority's new leader is cut off before its first entries leave it.
        const second = e.node;
        n.networkFault('figure8 (isolate the new leader)', () => t.network.isolate(second), null);
        n.reactions.when(
          (e2) => e2.kind === 'leaderElected' && e2.node !== second,
          (e2) => {
            // 3. A third leader replicates old entries again; as soon as it commits anything it dies,
            //    and the isolated second leader comes back.
            const third = e2.node;
            n.reactions.when(
              (e3) => e3.kind === 'leaderCommitted' && e3.node === third,
              () => {
                // Its messages still on the wire (the rest of its log) are lost with it, and the old
                // minority goes with it: the second leader now competes only with nodes whose
                // last entries are older than its own.
                t.log(`nemesis figure8: ${third} committed, it is cut off and ${second} returns`);
                this.running = null;
                const away = minority.includes(third) ? minority : [third];
                n.networkFault('figure8 (cut the third leader)', () =>
                  t.network.partition([away, t.nodeIds().filter((id) => !away.includes(id))]),
                );
                if (rng.chance(0.3) && n.canTakeDown(third))
                  n.crash('figure8', third, rng.int(1, 15) * t.tickUs);
              },
              deadline(),
              giveUp('the third leader committed nothing'),
            );
          },
          deadline(),
          giveUp('no third leader'),
        );
      },
      deadline(),
      giveUp('no new leader in the majority'),
    );
    return true;
  }

  duel(leader: NodeId | null): boolean {
    const n = this.n;
    const { target: t, rng } = n;
    const ids = t.nodeIds();
    if (leader === null || ids.length < 5 || this.running !== null) return false;
    const [a, b, ...voters] = rng.shuffle(ids.filter((id) => id !== leader));
    this.running = 'duel';
    const end = (why: string) => {
      t.log(`nemesis duel ends: ${why}`);
      this.running = null;
      n.healNetwork();
    };
    // The leader goes away; `b` will not hear `a`, so it stays in the old term.
    if (n.canTakeDown(leader)) n.crash('duel', leader, n.duration());
    n.networkFault(
      `duel ${a} vs ${b}`,
      () => {
        t.network.cutOneWay(a, b);
        if (t.isUp(leader)) for (const id of ids) if (id !== leader) t.network.cutOneWay(leader, id);
      },
      null,
    );
    // Once the followers stop honouring the old leader, `a` campaigns; its voters reboot right
    // after voting. A voter that forgot its vote will vote again in the same term.
    t.at(t.now + Math.round((n.opts.electionTicks + 0.5 + rng.float()) * t.tickUs), () => {
      if (n.healed) return;
      for (const v of voters) t.armCrash(v, 'afterVoteSent', rng.int(50, 2_000));
      t.campaign(a);
      n.reactions.when(
        (e) => e.kind === 'leaderElected' && e.node === a,
        () => {
          // `a` won and is cut off before its voters hear from it; once their reboot is an
          // election timeout behind them, `b` asks them for the same term.
          n.networkFault(
            `duel (${a} won, cut it off)`,
            () => t.network.partition([[a], ids.filter((id) => id !== a)]),
            null,
          );
          t.at(t.now + Math.round((n.opts.electionTicks + 1 + 2 * rng.float()) * t.tickUs), () => {
            if (n.healed) return;
            t.campaign(b);
            t.at(t.now + 2 * this.electionUs, () => end('done'));
          });
        },
        t.now + 3 * this.electionUs,
        () => end(`${a} did not win`),
      );
    });
    return true;
  }

  cutLeaderLink(leader: NodeId | null): boolean {
    const n = this.n;
    const { target: t, rng } = n;
    if (leader === null) return false;
    const followers = t.nodeIds().filter((id) => id !== leader && t.isUp(id));
    if (followers.length === 0) return false;
    const cut = rng.pick(followers);
    // Everyone else still hears the leader: stickiness must keep them from electing `cut`,
    // which times out and campaigns on its own.
    const gen = n.currentNetworkGeneration + 1;
    n.networkFault(`cutLeaderLink ${leader} x ${cut}`, () => {
      t.network.cutOneWay(leader, cut);
      t.network.cutOneWay(cut, leader);
    });
    // Should `cut` win anyway, the old leader goes deaf at that moment: nobody's answers reach
    // it, so only its own lease arithmetic stops it from serving lease reads.
    n.reactions.when(
      (e) => e.kind === 'leaderElected' && e.node === cut,
      () => {
        if (n.currentNetworkGeneration !== gen || !t.isUp(leader)) return;
        t.log(`nemesis cutLeaderLink: ${cut} won, ${leader} goes deaf`);
        for (const id of t.nodeIds()) if (id !== leader) t.network.cutOneWay(id, leader);
      },
      t.now + 4 * this.electionUs,
      () => {},
    );
    return true;
  }

  /**
   * Runs `fault` during the workload's next read-only phase (checked every
   * few ticks, for at most `patience`), when a cut-off follower's log is still
   * complete and its campaign can win if nothing else stops it.
   */
  whenWritesPause(fault: () => boolean, patience: number): boolean {
    const t = this.n.target;
    const giveUpAt = t.now + patience;
    const attempt = () => {
      if (this.n.healed) return;
      if (t.writesPaused() || t.now >= giveUpAt) fault();
      else t.at(t.now + 5 * t.tickUs, attempt);
    };
    attempt();
    return true;
  }
}
