/**
 * Results: one per seed (plain data, so it crosses worker threads), their
 * aggregate over many seeds, and the human-readable forms of both.
 */
import { type NodeId, RAFT_DEFAULTS, type VerificationState } from '@raftkit/core';
import type { Verdict } from './checker/index.js';
import type { Violation } from './invariants/index.js';
import type { NemesisProfileName } from './nemesis/index.js';
import { type BugName, type ClusterConfig, describeClusterConfig } from './options.js';

export interface SeedResult {
  readonly seed: number;
  readonly nodes: number;
  readonly ticks: number;
  readonly profile: NemesisProfileName;
  readonly bugs: readonly BugName[];
  readonly config: ClusterConfig;
  /** Leader priorities configured (nodes not named have 0). */
  readonly priorities: Readonly<Record<NodeId, number>>;
  /** The first breaches (the run stops at the first one). */
  readonly violations: readonly Violation[];
  /** Linearizability of the client history; 'skipped' when a violation stopped the run first. */
  readonly verdict: Verdict | 'skipped';
  readonly checkerSteps: number;
  /** The checker's explanation when the history is not linearizable (or undecided). */
  readonly nonLinearizableExplanation?: string;
  /** Terms that had a leader. */
  readonly elections: number;
  /** Most nodes that believed at one instant that they were leader (of any term). */
  readonly maxLeadersAtOnce: number;
  /** Longest time (ticks) a node believed it led after a higher term existed. */
  readonly maxStaleLeaderTicks: number;
  /** Highest committed index. */
  readonly commits: number;
  readonly acknowledgedWrites: number;
  readonly operations: number;
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly faults: Readonly<Record<string, number>>;
  /** Elections won on a timeout while the previous leader was up, running and not cut off. */
  readonly spuriousElections: number;
  /** Ticks from each leader crash until a leader of a higher term committed. */
  readonly failoverTicks: readonly number[];
  /** Leader crashes not recovered from (no new leader committed) by the end. */
  readonly failoversUnfinished: number;
  /** Elections after the nemesis' final heal. */
  readonly leaderChangesInQuiet: number;
  readonly finalLeader: NodeId | null;
  /** Snapshots taken by hosts, installed from leaders (chunked InstallSnapshot), restored at restarts. */
  readonly snapshots: {
    readonly taken: number;
    readonly installed: number;
    readonly restoredAtStart: number;
  };
  /** Membership changes (membership profile): committed changes, joins, wipes, the operator's counts. */
  readonly membership: Readonly<Record<string, number>>;
  /** The nodes of the final configuration (all nodes when membership does not change). */
  readonly finalMembers: readonly NodeId[];
  /** The SplitBrainMonitor's state verification of each running node at the end. */
  readonly verification: Readonly<Record<NodeId, VerificationState>>;
  readonly alerts: { readonly safety: number; readonly warning: number };
  readonly events: number;
  /** Virtual time at the end, microseconds. */
  readonly endTime: number;
  /** Digest of every event of the run: equal for two runs of one seed. */
  readonly digest: string;
  readonly wallMs: number;
  readonly trace?: readonly string[];
}

export function seedFailed(r: SeedResult): boolean {
  return r.violations.length > 0 || r.verdict === 'nonLinearizable';
}

export interface FailingSeed {
  readonly seed: number;
  readonly reason: string;
  readonly replay: string;
}

export interface Aggregate {
  seeds: number;
  violations: number;
  nonLinearizable: number;
  unknown: number;
  linearizable: number;
  elections: number;
  maxLeadersAtOnce: number;
  maxStaleLeaderTicks: number;
  commits: number;
  acknowledgedWrites: number;
  ops: { ok: number; fail: number; info: number };
  faults: Record<string, number>;
  alerts: { safety: number; warning: number };
  spuriousElections: number;
  failovers: number;
  failoversUnfinished: number;
  failoverMeanTicks: number | null;
  failoverMaxTicks: number | null;
  snapshots: { taken: number; installed: number; restoredAtStart: number };
  membership: Record<string, number>;
  /** Nodes of the final configurations by the monitor's verification at the end. */
  verification: { ok: number; unverified: number; diverged: number };
  violationsByInvariant: Record<string, number>;
  failingSeeds: FailingSeed[];
  /** Seeds whose check ran out of budget (verdict unknown). */
  unknownSeeds: number[];
  seedMsMean: number;
  seedMsMax: number;
}

export function emptyAggregate(): Aggregate {
  return {
    seeds: 0,
    violations: 0,
    nonLinearizable: 0,
    unknown: 0,
    linearizable: 0,
    elections: 0,
    maxLeadersAtOnce: 0,
    maxStaleLeaderTicks: 0,
    commits: 0,
    acknowledgedWrites: 0,
    ops: { ok: 0, fail: 0, info: 0 },
    faults: {},
    alerts: { safety: 0, warning: 0 },
    spuriousElections: 0,
    failovers: 0,
    failoversUnfinished: 0,
    failoverMeanTicks: null,
    failoverMaxTicks: null,
    snapshots: { taken: 0, installed: 0, restoredAtStart: 0 },
    membership: {},
    verification: { ok: 0, unverified: 0, diverged: 0 },
    violationsByInvariant: {},
    failingSeeds: [],
    unknownSeeds: [],
    seedMsMean: 0,
    seedMsMax: 0,
  };
}

/** The command that replays one seed with its trace. */
export function replayCommand(
  r: Pick<SeedResult, 'seed' | 'nodes' | 'ticks' | 'profile' | 'bugs'> & {
    readonly config?: Pick<ClusterConfig, 'raft'>;
    readonly priorities?: SeedResult['priorities'];
  },
): string {
  const parts = [
    'pnpm sim',
    `--seed ${r.seed}`,
    `--nodes ${r.nodes}`,
    `--ticks ${r.ticks}`,
    `--profile ${r.profile}`,
  ];
  for (const b of r.bugs) parts.push(`--inject-bug ${b}`);
  const raft = r.config?.raft;
  if (raft?.timeouts === 'adaptive') parts.push('--timeouts adaptive');
  if (raft?.electionTicks !== undefined && raft.electionTicks !== RAFT_DEFAULTS.electionTicks)
    parts.push(`--election-ticks ${raft.electionTicks}`);
  for (const [id, p] of Object.entries(r.priorities ?? {})) parts.push(`--priority ${id}=${p}`);
  parts.push('--trace');
  return parts.join(' ');
}

export function failureReason(r: SeedResult): string {
  const v = r.violations[0];
  if (v !== undefined) {
    return `${v.invariant} at ${(v.time / 1000).toFixed(3)}ms on ${v.nodes.join(',') || '-'}: ${v.message}`;
  }
  if (r.verdict === 'nonLinearizable') return 'client history is not linearizable';
  return 'ok';
}

export function addResult(a: Aggregate, r: SeedResult): void {
  a.seedMsMean = (a.seedMsMean * a.seeds + r.wallMs) / (a.seeds + 1);
  a.seedMsMax = Math.max(a.seedMsMax, r.wallMs);
  a.seeds++;
  if (r.violations.length > 0) {
    a.violations++;
    const name = r.violations[0].invariant;
    a.violationsByInvariant[name] = (a.violationsByInvariant[name] ?? 0) + 1;
  }
  if (r.verdict === 'nonLinearizable') a.nonLinearizable++;
  else if (r.verdict === 'unknown') {
    a.unknown++;
    a.unknownSeeds.push(r.seed);
  } else if (r.verdict === 'linearizable') a.linearizable++;
  a.elections += r.elections;
  a.maxLeadersAtOnce = Math.max(a.maxLeadersAtOnce, r.maxLeadersAtOnce);
  a.maxStaleLeaderTicks = Math.max(a.maxStaleLeaderTicks, r.maxStaleLeaderTicks);
  a.commits += r.commits;
  a.acknowledgedWrites += r.acknowledgedWrites;
  a.ops.ok += r.ops.ok;
  a.ops.fail += r.ops.fail;
  a.ops.info += r.ops.info;
  for (const [k, n] of Object.entries(r.faults)) a.faults[k] = (a.faults[k] ?? 0) + n;
  a.alerts.safety += r.alerts.safety;
  a.alerts.warning += r.alerts.warning;
  a.spuriousElections += r.spuriousElections;
  if (r.failoverTicks.length > 0) {
    const sum = (a.failoverMeanTicks ?? 0) * a.failovers + r.failoverTicks.reduce((x, y) => x + y, 0);
    a.failovers += r.failoverTicks.length;
    a.failoverMeanTicks = Math.round((sum / a.failovers) * 100) / 100;
    a.failoverMaxTicks = Math.max(a.failoverMaxTicks ?? 0, ...r.failoverTicks);
  }
  a.failoversUnfinished += r.failoversUnfinished;
  a.snapshots.taken += r.snapshots.taken;
  a.snapshots.installed += r.snapshots.installed;
  a.snapshots.restoredAtStart += r.snapshots.restoredAtStart;
  for (const [k, n] of Object.entries(r.membership)) a.membership[k] = (a.membership[k] ?? 0) + n;
  for (const id of r.finalMembers) {
    const v = r.verification[id];
    if (v !== undefined) a.verification[v]++;
  }
  if (seedFailed(r))
    a.failingSeeds.push({ seed: r.seed, reason: failureReason(r), replay: replayCommand(r) });
}

/** A short human summary of many seeds. */
export function formatAggregate(a: Aggregate, elapsedMs: number): string {
  const lines = [
    `seeds run:            ${a.seeds} in ${(elapsedMs / 1000).toFixed(1)}s (mean ${a.seedMsMean.toFixed(0)} ms/seed, max ${a.seedMsMax} ms)`,
    `violations:           ${a.violations}${Object.keys(a.violationsByInvariant).length > 0 ? ` ${JSON.stringify(a.violationsByInvariant)}` : ''}`,
    `linearizability:      ${a.linearizable} linearizable, ${a.nonLinearizable} not linearizable, ${a.unknown} unknown`,
    `elections:            ${a.elections} (${(a.elections / Math.max(1, a.seeds)).toFixed(1)} per seed)`,
    `max leaders at once:  ${a.maxLeadersAtOnce}`,
    `max stale leader:     ${a.maxStaleLeaderTicks} ticks`,
    `commits:              ${a.commits} entries, ${a.acknowledgedWrites} acknowledged writes`,
    `client ops:           ${a.ops.ok} ok, ${a.ops.fail} fail, ${a.ops.info} info`,
    `monitor alerts:       ${a.alerts.safety} safety, ${a.alerts.warning} warning`,
    `verification:         ${a.verification.ok} ok, ${a.verification.unverified} unverified, ${a.verification.diverged} diverged (final members, monitor)`,
    `spurious elections:   ${a.spuriousElections}`,
    `leader failovers:     ${a.failovers}${a.failovers > 0 ? ` (mean ${a.failoverMeanTicks} ticks, max ${a.failoverMaxTicks})` : ''}${a.failoversUnfinished > 0 ? `, ${a.failoversUnfinished} unfinished` : ''}`,
    ...(a.snapshots.taken + a.snapshots.installed > 0
      ? [
          `snapshots:            ${a.snapshots.taken} taken, ${a.snapshots.installed} installed from leaders, ${a.snapshots.restoredAtStart} restored at restarts`,
        ]
      : []),
    ...(Object.keys(a.membership).length > 0
      ? [
          `membership:           ${Object.entries(a.membership)
            .sort(([x], [y]) => (x < y ? -1 : 1))
            .map(([k, n]) => `${k}=${n}`)
            .join(' ')}`,
        ]
      : []),
    `faults injected:      ${Object.entries(a.faults)
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([k, n]) => `${k}=${n}`)
      .join(' ')}`,
  ];
  for (const f of a.failingSeeds.slice(0, 20)) {
    lines.push(`FAILED seed ${f.seed}: ${f.reason}`);
    lines.push(`  replay: ${f.replay}`);
  }
  if (a.failingSeeds.length > 20) lines.push(`... and ${a.failingSeeds.length - 20} more failing seeds`);
  return lines.join('\n');
}

/** The human account of one seed (used by --seed). */
export function formatSeed(r: SeedResult): string {
  const lines = [
    `seed ${r.seed}: ${r.nodes} nodes, ${r.ticks} ticks, profile ${r.profile}${r.bugs.length > 0 ? `, bugs ${r.bugs.join(',')}` : ''}`,
    `  config:       ${describeClusterConfig(r.config)}`,
    `  result:       ${seedFailed(r) ? `FAILED: ${failureReason(r)}` : 'ok'}`,
    `  verdict:      ${r.verdict} (${r.operations} operations, ${r.checkerSteps} checker steps)`,
    `  elections:    ${r.elections}, max leaders at once ${r.maxLeadersAtOnce}, max stale leader ${r.maxStaleLeaderTicks} ticks`,
    `  commits:      ${r.commits}, acknowledged writes ${r.acknowledgedWrites}`,
    `  client ops:   ${r.ops.ok} ok, ${r.ops.fail} fail, ${r.ops.info} info`,
    `  faults:       ${JSON.stringify(r.faults)}`,
    `  alerts:       ${r.alerts.safety} safety, ${r.alerts.warning} warning`,
    `  liveness:     ${r.spuriousElections} spurious elections, failovers ${JSON.stringify(r.failoverTicks)} ticks${r.failoversUnfinished > 0 ? ', one unfinished' : ''}, ${r.leaderChangesInQuiet} leader changes after the final heal, final leader ${r.finalLeader ?? '-'}`,
    `  snapshots:    ${r.snapshots.taken} taken, ${r.snapshots.installed} installed, ${r.snapshots.restoredAtStart} restored at restarts`,
    ...(Object.keys(r.membership).length > 0
      ? [`  membership:   ${JSON.stringify(r.membership)}; final members ${r.finalMembers.join(',')}`]
      : []),
    `  verification: ${JSON.stringify(r.verification)}`,
    `  events:       ${r.events}, digest ${r.digest}, ${r.wallMs} ms`,
  ];
  for (const v of r.violations)
    lines.push(
      `  VIOLATION ${v.invariant} at ${v.time}us nodes [${v.nodes.join(',')}]${v.index !== undefined ? ` index ${v.index}` : ''}: ${v.message}`,
    );
  if (r.nonLinearizableExplanation) lines.push(r.nonLinearizableExplanation);
  if (seedFailed(r)) lines.push(`  replay: ${replayCommand(r)}`);
  return lines.join('\n');
}
