/**
 * Faults aimed at snapshots and log compaction:
 *
 * - snapshotNow: a few nodes snapshot their state machine at once and compact
 *   their logs (besides the size policy), at random moments;
 * - laggard: a follower is kept away (crashed, or cut off) until the leader
 *   has compacted past the end of its log, then returns, half of the time over
 *   lossy, duplicating, reordering links: it can only catch up by a chunked
 *   InstallSnapshot, and chunks and answers get lost on the way;
 * - crashDuringSnapshot: a node is armed to crash at the sync that would make
 *   a snapshot durable (one it took, or one it installed from the leader), so
 *   it restarts from the previous snapshot and the log it had.
 */
import type { NodeId } from '@raftkit/core';
import type { NemesisFaults } from './fault-target.js';

/** How long a laggard scenario waits for the leader to compact past the laggard. */
const LAGGARD_PATIENCE_TICKS = 200;

export class Compaction {
  constructor(private readonly n: NemesisFaults) {}

  snapshotNow(): boolean {
    const { target: t, rng } = this.n;
    const up = t.nodeIds().filter((id) => t.isUp(id));
    if (up.length === 0) return false;
    const chosen = rng.shuffle(up).slice(0, rng.int(1, Math.min(3, up.length)));
    t.log(`nemesis snapshotNow ${chosen.join(',')}`);
    for (const id of chosen) t.snapshotNow(id);
    return true;
  }

  laggard(leader: NodeId | null): boolean {
    const n = this.n;
    const { target: t, rng } = n;
    if (leader === null) return false;
    const followers = t.nodeIds().filter((id) => id !== leader && n.canTakeDown(id));
    if (followers.length === 0) return false;
    const lag = rng.pick(followers);
    const crashIt = rng.chance(0.5);
    const gen = n.bumpNodeFault(lag);
    let netGen = -1;
    if (crashIt) {
      t.log(`nemesis laggard ${lag}: crashed until the leader compacts past it`);
      t.crash(lag);
    } else {
      n.networkFault(`laggard ${lag} cut off`, () => t.network.isolate(lag), null);
      netGen = n.currentNetworkGeneration;
    }
    const giveUpAt = t.now + LAGGARD_PATIENCE_TICKS * t.tickUs;
    const bringBack = () => {
      if (n.healed) return;
      if (crashIt) {
        if (n.nodeFaultGenerationOf(lag) === gen && !t.isUp(lag)) t.restart(lag);
      } else if (n.currentNetworkGeneration === netGen) {
        n.healNetwork();
      }
      if (rng.chance(0.5)) {
        // Lost and repeated chunks: the transfer must resume where it stands.
        const profile = {
          loss: 0.1 + rng.float() * 0.3,
          duplicate: rng.float() * 0.2,
          reorder: 0.05 + rng.float() * 0.2,
        };
        n.networkFault(`laggard ${lag} catches up over lossy links`, () => {
          for (const other of t.nodeIds()) {
            if (other === lag) continue;
            t.network.degradeLink(other, lag, profile);
            t.network.degradeLink(lag, other, profile);
          }
        });
      }
    };
    const check = () => {
      if (n.healed) return;
      const l = t.leader();
      if (t.now >= giveUpAt) {
        t.log(`nemesis laggard ${lag}: the leader did not compact past it in time`);
        bringBack();
        return;
      }
      if (l !== null && l !== lag && t.logBounds(l).first > t.logBounds(lag).last + 1) {
        t.log(`nemesis laggard ${lag}: leader ${l} compacted past it, it returns`);
        bringBack();
        return;
      }
      t.at(t.now + 5 * t.tickUs, check);
    };
    t.at(t.now + 5 * t.tickUs, check);
    return true;
  }

  crashDuringSnapshot(leader: NodeId | null): boolean {
    const { target: t, rng } = this.n;
    const id = this.n.pickDownable(leader);
    if (id === null) return false;
    const restartAfter = rng.chance(0.5) ? rng.int(50, 3_000) : rng.int(1, 10) * t.tickUs;
    t.armCrash(id, 'beforeSnapshotSync', restartAfter);
    t.log(`nemesis arm-crash ${id} beforeSnapshotSync restart+${restartAfter}us`);
    // A snapshot of its own now, so that the armed crash does not wait for the size policy.
    if (rng.chance(0.5)) t.snapshotNow(id);
    return true;
  }
}
