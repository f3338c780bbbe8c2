// Command line of `pnpm bench` / `node scripts/bench.mjs`.
export const ROW_IDS = ['limits', 'core', 'cluster', 'reads', 'failover', 'tcp', 'checker', 'peers'];

const USAGE = `usage: pnpm bench [--quick] [--json FILE] [--only ${ROW_IDS.join(',')}] [--no-report] [--out DIR]

  --quick      run each row briefly (a smoke check; under 2 minutes in all)
  --json FILE  also write the results to FILE (always: bench/results/latest.json)
  --only LIST  run only these rows (comma separated); the others are listed as not run
  --no-report  do not rewrite REPORT.md and the SVG charts (JSON and table only)
  --out DIR    results directory (default bench/results)
  --rerender   run nothing: rewrite REPORT.md and the charts from DIR/latest.json
               (after editing bench/ANALYSIS.md or the report code)`;

export function parseArgs(argv) {
  const opts = { quick: false, json: null, only: new Set(ROW_IDS), report: true, out: null, rerender: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') opts.quick = true;
    else if (a === '--json') opts.json = value();
    else if (a === '--out') opts.out = value();
    else if (a === '--no-report') opts.report = false;
    else if (a === '--rerender') opts.rerender = true;
    else if (a === '--only') {
      const ids = value().split(',').filter(Boolean);
      for (const id of ids) if (!ROW_IDS.includes(id)) throw new UsageError(`unknown row ${id}`);
      opts.only = new Set(ids);
    } else if (a === '--help' || a === '-h') throw new UsageError('');
    else throw new UsageError(`unknown argument ${a}`);
  }
  return opts;
}

export class UsageError extends Error {
  constructor(msg) {
    super(msg ? `${msg}\n${USAGE}` : USAGE);
  }
}
