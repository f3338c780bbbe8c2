// Command line of `pnpm bench` / `node scripts/bench.mjs`.
import { resolve } from 'node:path';
import { parseArgs as parseCommandLine } from 'node:util';
export const ROW_IDS = [
  'limits',
  'core',
  'cluster',
  'reads',
  'failover',
  'tcp',
  'checker',
  'peers',
  'sessions',
  'growth',
];

const USAGE = `usage: pnpm bench [--quick] [--json FILE] [--only ${ROW_IDS.join(',')}] [--no-report] [--out DIR]

  --quick      run each row briefly (a smoke check; about 2-3 minutes in all); results go to
               bench/results/tmp/quick (not over the committed full report) unless --out is given
  --json FILE  also write the results to FILE (always: latest.json in the results directory)
  --only LIST  run only these rows (comma separated); the others are listed as not run
  --no-report  do not rewrite REPORT.md and the SVG charts (JSON and table only)
  --out DIR    results directory (default: bench/results for a full run, bench/results/tmp/quick
               with --quick, bench/results/tmp/partial with --only)
  --rerender   run nothing: rewrite REPORT.md and the charts from DIR/latest.json
               (after editing bench/ANALYSIS.md or the report code)`;

export function parseArgs(argv) {
  let parsed;
  try {
    parsed = parseCommandLine({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        json: { type: 'string' },
        only: { type: 'string' },
        'no-report': { type: 'boolean' },
        out: { type: 'string' },
        rerender: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // node:util names the flag at fault ("Unknown option '--x'", "Option '--json <value>' argument missing").
    throw new UsageError(error.message);
  }
  const v = parsed.values;
  if (v.help) throw new UsageError('');
  // node:util refuses a flag taken for a value ("argument is ambiguous"), not an empty one.
  for (const flag of ['json', 'out', 'only']) {
    if (v[flag] === '') throw new UsageError(`--${flag} needs a value`);
  }
  const opts = {
    quick: v.quick ?? false,
    json: v.json ?? null,
    only: new Set(ROW_IDS),
    report: !v['no-report'],
    out: v.out ?? null,
    rerender: v.rerender ?? false,
  };
  if (v.only !== undefined) {
    const ids = v.only.split(',').filter(Boolean);
    for (const id of ids) if (!ROW_IDS.includes(id)) throw new UsageError(`unknown row ${id}`);
    opts.only = new Set(ids);
  }
  return opts;
}

/**
 * Where a run writes its results. Only a full run of every row replaces the
 * committed report: a quick run (a smoke check) or a run of some rows writes
 * under results/tmp (git-ignored) unless --out says where.
 */
export function resultsDir(opts, benchDir) {
  if (opts.out) return resolve(opts.out);
  if (opts.rerender) return resolve(benchDir, 'results');
  if (opts.quick) return resolve(benchDir, 'results/tmp/quick');
  if (opts.only.size < ROW_IDS.length) return resolve(benchDir, 'results/tmp/partial');
  return resolve(benchDir, 'results');
}

export class UsageError extends Error {
  constructor(msg) {
    super(msg ? `${msg}\n${USAGE}` : USAGE);
  }
}
