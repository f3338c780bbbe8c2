/**
 * Fixed versus adaptive election timeouts on a jittery network (issue 9): the
 * same seeds of a profile (normally `jitter`: heavy-tailed latency all the
 * time, and now and then a leader crash) run once per timeout variant, and
 * the report gives, per variant, the spurious elections (elections won on a
 * timeout while the previous leader was up, running and not cut off) and the
 * failover times (ticks from a leader crash until a leader of a higher term
 * committed). Safety is checked as in every run: a violation in any variant
 * counts.
 */
import type { SimOptions } from './options.js';
import type { SeedResult } from './summary.js';

export interface TimeoutVariant {
  readonly name: string;
  readonly options: Pick<SimOptions, 'raft'>;
  /** How the variant is described in the table. */
  readonly describe: string;
}

/**
 * fixed-short and fixed-long are the adaptive range's bounds used as fixed
 * timeouts (the core's defaults for electionTicks 10: [5, 40]).
 */
export const TIMEOUT_VARIANTS: readonly TimeoutVariant[] = [
  {
    name: 'fixed-short',
    options: { raft: { timeouts: 'fixed', electionTicks: 5 } },
    describe: 'fixed, 5 ticks',
  },
  {
    name: 'fixed-long',
    options: { raft: { timeouts: 'fixed', electionTicks: 40 } },
    describe: 'fixed, 40 ticks',
  },
  {
    name: 'adaptive',
    options: { raft: { timeouts: 'adaptive', electionTicks: 10 } },
    describe: 'adaptive, 10 in [5, 40]',
  },
];

export interface VariantReport {
  readonly variant: string;
  readonly describe: string;
  readonly seeds: number;
  readonly violations: number;
  readonly nonLinearizable: number;
  readonly spuriousElections: number;
  readonly spuriousPerSeed: number;
  readonly elections: number;
  readonly failovers: number;
  readonly failoversUnfinished: number;
  readonly failoverMean: number | null;
  readonly failoverP50: number | null;
  readonly failoverP95: number | null;
  readonly failoverMax: number | null;
  readonly failingSeeds: readonly number[];
}

export function summarizeVariant(v: TimeoutVariant, results: readonly SeedResult[]): VariantReport {
  const failovers = results.flatMap((r) => r.failoverTicks).sort((a, b) => a - b);
  const spurious = results.reduce((s, r) => s + r.spuriousElections, 0);
  const pct = (p: number) =>
    failovers.length === 0
      ? null
      : failovers[Math.min(failovers.length - 1, Math.floor(p * failovers.length))];
  const round = (x: number) => Math.round(x * 10) / 10;
  const failing = results.filter((r) => r.violations.length > 0 || r.verdict === 'nonLinearizable');
  return {
    variant: v.name,
    describe: v.describe,
    seeds: results.length,
    violations: results.filter((r) => r.violations.length > 0).length,
    nonLinearizable: results.filter((r) => r.verdict === 'nonLinearizable').length,
    spuriousElections: spurious,
    spuriousPerSeed: Math.round((spurious / Math.max(1, results.length)) * 100) / 100,
    elections: results.reduce((s, r) => s + r.elections, 0),
    failovers: failovers.length,
    failoversUnfinished: results.reduce((s, r) => s + r.failoversUnfinished, 0),
    failoverMean:
      failovers.length === 0 ? null : round(failovers.reduce((a, b) => a + b, 0) / failovers.length),
    failoverP50: pct(0.5),
    failoverP95: pct(0.95),
    failoverMax: failovers.length === 0 ? null : failovers[failovers.length - 1],
    failingSeeds: failing.map((r) => r.seed).sort((a, b) => a - b),
  };
}

export function formatComparison(reports: readonly VariantReport[]): string {
  const head = [
    'timeouts',
    'election timeout',
    'seeds',
    'spurious elections',
    'per seed',
    'failovers',
    'failover mean',
    'p50',
    'p95',
    'max',
    'unfinished',
    'violations',
  ];
  const fmt = (x: number | null) => (x === null ? '-' : String(x));
  const rows = reports.map((r) => [
    r.variant,
    r.describe,
    String(r.seeds),
    String(r.spuriousElections),
    String(r.spuriousPerSeed),
    String(r.failovers),
    fmt(r.failoverMean),
    fmt(r.failoverP50),
    fmt(r.failoverP95),
    fmt(r.failoverMax),
    String(r.failoversUnfinished),
    String(r.violations + r.nonLinearizable),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '(failover times in ticks)',
  ].join('\n');
}
