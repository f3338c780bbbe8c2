/**
 * Named nemesis profiles: which faults a run injects and how often. Weights
 * are relative; a kind with weight 0 is never picked.
 */
import type { LinkProfile } from '../network.js';

export type FaultKind =
  /** Split into a majority and a minority side. */
  | 'partitionMajority'
  /** Split into 2 or 3 random groups (possibly no majority anywhere). */
  | 'partitionRandom'
  /** Cut the current leader off from everyone. */
  | 'isolateLeader'
  /** Leader plus one follower on the minority side, the rest elect a new leader; clients still reach the old one. */
  | 'leaderMinority'
  /** Drop messages in one direction only on a few links (often leader -> follower or follower -> leader). */
  | 'oneWay'
  /** Two sides that only talk through one bridge node. */
  | 'bridge'
  /** Each node talks only to its two ring neighbours. */
  | 'ring'
  /** Links lose, duplicate and delay many messages. */
  | 'lossyLinks'
  /** Crash a random node; it restarts later from its synced storage. */
  | 'crash'
  /** Crash the current leader. */
  | 'crashLeader'
  /** Crash a node and restart it almost at once (before in-flight messages land). */
  | 'crashRestartFast'
  /** Arm a node to crash at its next disk sync, losing the unsynced writes. */
  | 'crashOnSync'
  /** Power failure: every node crashes at once (unsynced writes lost everywhere), then restarts. */
  | 'crashAll'
  /** For a while every newly elected leader dies (crash or isolation) a few milliseconds after winning. */
  | 'leaderKiller'
  /** Crash the leader and arm several nodes to crash-restart right after their next vote grant. */
  | 'restartVoters'
  /** The schedule of Raft's Figure 8 (see scenarios.ts). */
  | 'figure8'
  /** Two candidates campaign in one term while voters crash right after voting (see scenarios.ts). */
  | 'duel'
  /** Only the link between the leader and one follower fails, both ways (see scenarios.ts). */
  | 'cutLeaderLink'
  /** Stop a node (no ticks, no input) for a while; its inbox queues or drops. */
  | 'pause'
  /** Run a node's clock faster or slower (within the configured drift bound). */
  | 'clockSkew'
  /** Ask the leader to hand leadership to a random follower. */
  | 'transferLeadership'
  /** A few random nodes snapshot their state machine now and compact their logs. */
  | 'snapshotNow'
  /** A follower is kept away until the leader compacted past its log, then returns over lossy links (see compaction.ts). */
  | 'laggard'
  /** Arm a node to crash at the sync that would make a snapshot durable (taken or installed). */
  | 'crashDuringSnapshot'
  /** Ongaro's overlapping membership changes across two leaders (see overlapping-changes.ts). */
  | 'overlappingChanges';

export type NemesisProfileName =
  | 'partitions'
  | 'crashes'
  | 'clock'
  | 'mixed'
  | 'compaction'
  | 'membership'
  | 'jitter'
  | 'drift'
  | 'none';

export interface NemesisProfile {
  readonly name: NemesisProfileName;
  readonly weights: Readonly<Partial<Record<FaultKind, number>>>;
  /** Mean ticks between two fault injections. */
  readonly meanIntervalTicks: number;
  /** Range of a fault's duration in ticks before it is healed. */
  readonly durationTicks: readonly [number, number];
  /** Membership changes run beside the faults (an operator adds, promotes and removes nodes: membership.ts). */
  readonly membership?: boolean;
  /** Behaviour of every link for the whole run (default: DEFAULT_LINK). */
  readonly link?: Partial<LinkProfile>;
  /**
   * Clocks that are off for the whole run: each node, with probability
   * `chance`, runs at a rate drawn from `slow` or `fast` (else at 1).
   */
  readonly persistentClockRates?: {
    readonly chance: number;
    readonly slow: readonly [number, number];
    readonly fast: readonly [number, number];
  };
}

export const PROFILES: Readonly<Record<NemesisProfileName, NemesisProfile>> = {
  partitions: {
    name: 'partitions',
    weights: {
      partitionMajority: 3,
      partitionRandom: 2,
      isolateLeader: 3,
      leaderMinority: 2,
      oneWay: 2,
      bridge: 1,
      ring: 1.5,
      lossyLinks: 2,
      figure8: 1,
      cutLeaderLink: 1.5,
      transferLeadership: 0.5,
    },
    meanIntervalTicks: 25,
    durationTicks: [5, 80],
  },
  crashes: {
    name: 'crashes',
    weights: {
      crash: 3,
      crashLeader: 3,
      crashRestartFast: 2,
      crashOnSync: 3,
      crashAll: 1,
      leaderKiller: 2,
      restartVoters: 2,
      figure8: 2,
      duel: 2,
      pause: 2,
      lossyLinks: 1,
      transferLeadership: 0.5,
    },
    meanIntervalTicks: 20,
    durationTicks: [3, 60],
  },
  clock: {
    name: 'clock',
    weights: {
      clockSkew: 4,
      isolateLeader: 2,
      leaderMinority: 2,
      pause: 2,
      partitionMajority: 1,
      cutLeaderLink: 1,
    },
    meanIntervalTicks: 20,
    durationTicks: [10, 80],
  },
  mixed: {
    name: 'mixed',
    weights: {
      partitionMajority: 2,
      partitionRandom: 1,
      isolateLeader: 2,
      leaderMinority: 2,
      oneWay: 1,
      bridge: 1.5,
      ring: 1.5,
      lossyLinks: 1,
      crash: 2,
      crashLeader: 2,
      crashRestartFast: 1.5,
      crashOnSync: 2,
      crashAll: 1.5,
      leaderKiller: 1.5,
      restartVoters: 1,
      figure8: 3,
      duel: 1.5,
      cutLeaderLink: 1.5,
      pause: 1.5,
      clockSkew: 2,
      transferLeadership: 0.5,
    },
    meanIntervalTicks: 20,
    durationTicks: [3, 80],
  },
  compaction: {
    name: 'compaction',
    weights: {
      snapshotNow: 3,
      laggard: 3,
      crashDuringSnapshot: 2,
      crash: 2,
      crashLeader: 1.5,
      crashRestartFast: 1,
      crashOnSync: 1,
      crashAll: 1,
      partitionMajority: 1.5,
      isolateLeader: 1,
      leaderMinority: 1,
      lossyLinks: 2,
      pause: 1,
      figure8: 1,
      transferLeadership: 0.5,
    },
    meanIntervalTicks: 20,
    durationTicks: [5, 80],
  },
  membership: {
    name: 'membership',
    weights: {
      overlappingChanges: 3,
      partitionMajority: 1.5,
      partitionRandom: 1,
      isolateLeader: 1.5,
      leaderMinority: 1,
      oneWay: 0.5,
      lossyLinks: 1,
      crash: 2,
      crashLeader: 1.5,
      crashRestartFast: 1,
      crashOnSync: 1,
      crashAll: 0.5,
      pause: 1,
      snapshotNow: 1,
      transferLeadership: 0.5,
    },
    meanIntervalTicks: 25,
    durationTicks: [5, 60],
    membership: true,
  },
  jitter: {
    name: 'jitter',
    // Only leader crashes, one every ~150 ticks (down for 40-80 ticks), on a network whose
    // latency is jittery and heavy-tailed all the time (see jitter.ts for the comparison):
    // one-way latency 0.5 ms + exponential with a 30 ms mean (3 heartbeat intervals), 5% of
    // messages delayed by up to 200 ms more, 2% lost.
    weights: { crashLeader: 1 },
    meanIntervalTicks: 150,
    durationTicks: [40, 80],
    link: {
      baseLatencyUs: 500,
      jitterUs: 30_000,
      loss: 0.02,
      reorder: 0,
      spikeChance: 0.05,
      spikeUs: 200_000,
    },
  },
  drift: {
    name: 'drift',
    // Clocks off far beyond the lease's drift bound for the whole run (a node under
    // libfaketime, a throttled VM), lease reads on, and the faults that make a leader's
    // lease matter: the clock-rate check must keep every lease read linearizable.
    weights: {
      isolateLeader: 3,
      leaderMinority: 2,
      cutLeaderLink: 1.5,
      partitionMajority: 1,
      pause: 1,
      crashLeader: 1,
    },
    meanIntervalTicks: 25,
    durationTicks: [10, 80],
    persistentClockRates: { chance: 0.5, slow: [0.4, 0.7], fast: [1.4, 1.8] },
  },
  none: { name: 'none', weights: {}, meanIntervalTicks: 1, durationTicks: [1, 1] },
};

export function isProfileName(s: string): s is NemesisProfileName {
  return Object.hasOwn(PROFILES, s);
}
