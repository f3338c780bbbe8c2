import { SeededRng } from '@raftkit/core';
import type { ClockSkew } from './node-processes.js';

export const NEMESES = ['partition', 'kill', 'pause', 'clock', 'membership'] as const;
export type NemesisKind = (typeof NEMESES)[number];

/** A node named in the schedule, or whoever leads when the step runs. */
export type NodePick = string | 'leader';

export type Fault =
  /** Two sides that cannot reach each other. */
  | { readonly kind: 'partition'; readonly shape: 'halves'; readonly groups: readonly (readonly string[])[] }
  /** One node cut off from all others. */
  | { readonly kind: 'partition'; readonly shape: 'isolate'; readonly node: NodePick }
  /**
   * Two sides that only the bridge node reaches: each side plus the bridge
   * is a majority-sized group, and the two sides cannot talk.
   */
  | {
      readonly kind: 'partition';
      readonly shape: 'bridge';
      readonly bridge: string;
      readonly sides: readonly (readonly string[])[];
    }
  /** `deaf`: the node hears no one but is heard; `mute`: no one hears it but it hears everyone. */
  | {
      readonly kind: 'partition';
      readonly shape: 'oneWay';
      readonly node: NodePick;
      readonly direction: 'deaf' | 'mute';
    }
  /** Every link delayed and lossy (Raft frames dropped at random). */
  | {
      readonly kind: 'partition';
      readonly shape: 'flaky';
      readonly delayMs: number;
      readonly dropRate: number;
    }
  | { readonly kind: 'kill'; readonly node: NodePick }
  | { readonly kind: 'pause'; readonly node: NodePick }
  /** Restart the node under libfaketime with this clock, then (heal) restart it on the real clock. */
  | { readonly kind: 'clock'; readonly node: NodePick; readonly skew: ClockSkew }
  /**
   * `raftkit member remove` a node (it exits by itself); heal: wipe it and
   * bring it back as a new member (`--join --learner`, then `raftkit member promote`).
   */
  | { readonly kind: 'membership'; readonly node: NodePick };

export interface FaultStep {
  /** Offset from the start of the fault phase. */
  readonly atMs: number;
  /** How long the fault holds before it is healed. */
  readonly holdMs: number;
  readonly fault: Fault;
}

export interface ScheduleOptions {
  readonly seed: number;
  readonly nodes: readonly string[];
  readonly durationMs: number;
  readonly nemeses: readonly NemesisKind[];
  /** Quiet time before the first fault. Default 3 s. */
  readonly warmupMs?: number;
}

/**
 * The fault schedule: a pure function of the seed, the node ids, the
 * duration and the nemeses. One fault at a time: it holds 2-6 s, is healed,
 * and the cluster gets 1-3 s before the next. The same arguments give the
 * same schedule, so a failing run's faults replay with its seed (process
 * timing does not).
 */
export function buildSchedule(opts: ScheduleOptions): FaultStep[] {
  const rng = new SeededRng(opts.seed, 'torture-schedule');
  const steps: FaultStep[] = [];
  if (opts.nemeses.length === 0) return steps;
  let at = opts.warmupMs ?? 3000;
  for (;;) {
    const holdMs = rng.int(2000, 6000);
    if (at + holdMs > opts.durationMs) break;
    steps.push({ atMs: at, holdMs, fault: drawFault(rng, rng.pick(opts.nemeses), opts.nodes) });
    at += holdMs + rng.int(1000, 3000);
  }
  return steps;
}

function drawFault(rng: SeededRng, kind: NemesisKind, nodes: readonly string[]): Fault {
  const pickNode = (): NodePick => (rng.chance(0.5) ? 'leader' : rng.pick(nodes));
  switch (kind) {
    case 'partition': {
      const shape = rng.pick(['halves', 'isolate', 'bridge', 'oneWay', 'flaky'] as const);
      const shuffled = rng.shuffle(nodes);
      const minority = Math.floor((nodes.length - 1) / 2);
      switch (shape) {
        case 'halves':
          return { kind, shape, groups: [shuffled.slice(0, minority), shuffled.slice(minority)] };
        case 'isolate':
          return { kind, shape, node: pickNode() };
        case 'bridge': {
          // 3 nodes: a | b | c with b the bridge; 5 nodes: a b | c | d e.
          const bridge = shuffled[0];
          const rest = shuffled.slice(1);
          const half = rest.length / 2;
          return { kind, shape, bridge, sides: [rest.slice(0, half), rest.slice(half)] };
        }
        case 'oneWay':
          return { kind, shape, node: pickNode(), direction: rng.pick(['deaf', 'mute'] as const) };
        case 'flaky':
          return { kind, shape, delayMs: rng.int(5, 80), dropRate: rng.pick([0.05, 0.1, 0.2, 0.3]) };
      }
      break;
    }
    case 'clock':
      return {
        kind,
        node: pickNode(),
        skew: { offsetS: rng.int(-300, 300), rate: rng.pick([0.5, 0.8, 1.25, 2]) },
      };
    case 'kill':
    case 'pause':
    case 'membership':
      return { kind, node: pickNode() };
  }
  throw new Error(`unknown nemesis ${kind}`);
}

/** One line for the timeline, with `node` the pick as resolved when the step ran. */
export function describeFault(fault: Fault, node?: string): string {
  const who = node ?? ('node' in fault ? fault.node : '');
  switch (fault.kind) {
    case 'partition':
      switch (fault.shape) {
        case 'halves':
          return `partition ${fault.groups.map((g) => g.join(' ')).join(' | ')}`;
        case 'isolate':
          return `isolate ${who}`;
        case 'bridge':
          return `bridge partition ${fault.sides[0].join(' ')} | ${fault.bridge} | ${fault.sides[1].join(' ')} (only ${fault.bridge} reaches both sides)`;
        case 'oneWay':
          return fault.direction === 'deaf'
            ? `one-way cut: ${who} hears no one (others still hear ${who})`
            : `one-way cut: no one hears ${who} (${who} still hears the others)`;
        case 'flaky':
          return `flaky network: every link +${fault.delayMs} ms, ${Math.round(fault.dropRate * 100)}% of Raft frames dropped`;
      }
      break;
    case 'kill':
      return `kill -9 ${who}`;
    case 'pause':
      return `SIGSTOP ${who}`;
    case 'clock':
      return `clock skew on ${who}: restarted under libfaketime ${fault.skew.offsetS >= 0 ? '+' : ''}${fault.skew.offsetS}s at x${fault.skew.rate} speed`;
    case 'membership':
      return `raftkit member remove ${who} (back later as a new member: --join, member promote)`;
  }
  return `${(fault as Fault).kind}`;
}
