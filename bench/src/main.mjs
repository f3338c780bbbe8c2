// The benchmark suite (issue 8): runs every row, shows progress on stderr,
// prints the table on stdout, writes latest.json (and --json FILE),
// REPORT.md and the SVG charts. A row that cannot run says why; the others go on.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, ROW_IDS, resultsDir, UsageError } from './args.mjs';
import { evaluateTargets } from './baselines.mjs';
import { describeMachine, loadNow } from './machine.mjs';
import { progress } from './progress.mjs';
import { writeCharts, writeReport } from './report.mjs';
import { renderText, tableLines } from './table.mjs';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

const ROWS = [
  {
    id: 'limits',
    n: '1',
    title: 'Limits: MessagePort, msgpack, LMDB',
    load: () => import('./rows/limits.mjs'),
    fn: 'runLimits',
  },
  {
    id: 'core',
    n: '2',
    title: 'Core alone: 3 RaftNodes in one thread, memory',
    load: () => import('./rows/core.mjs'),
    fn: 'runCore',
  },
  {
    id: 'cluster',
    n: '3',
    title: 'Worker cluster: 3/5 nodes, memory/LMDB, 1-256 clients',
    load: () => import('./rows/cluster.mjs'),
    fn: 'runClusterRow',
  },
  {
    id: 'reads',
    n: '4',
    title: 'Reads: ReadIndex and lease, 64 clients',
    load: () => import('./rows/reads.mjs'),
    fn: 'runReads',
  },
  {
    id: 'failover',
    n: '5',
    title: 'Failover: isolate the leader',
    load: () => import('./rows/failover.mjs'),
    fn: 'runFailover',
  },
  {
    id: 'tcp',
    n: '6',
    title: 'TCP: 3 OS processes on loopback',
    load: () => import('./rows/tcp.mjs'),
    fn: 'runTcp',
  },
  {
    id: 'checker',
    n: '7',
    title: 'Checker: Jepsen and KV histories',
    load: () => import('./rows/checker.mjs'),
    fn: 'runChecker',
  },
  {
    id: 'peers',
    n: '8',
    title: 'JS peers: coaty (etcd/raft port), liferaft',
    load: () => import('./rows/peers.mjs'),
    fn: 'runPeers',
  },
  {
    id: 'sessions',
    n: '9',
    title: 'Exactly-once: the session wrapper per app command',
    load: () => import('./rows/sessions.mjs'),
    fn: 'runSessions',
  },
  {
    id: 'growth',
    n: '10',
    title: 'Scale with the state: 1M keys on LMDB worker threads',
    load: () => import('./rows/growth.mjs'),
    fn: 'runGrowth',
  },
];

export async function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const outDir = resultsDir(opts, BENCH_DIR);
  mkdirSync(outDir, { recursive: true });
  if (opts.rerender) return rerender(outDir);
  const t0 = performance.now();
  const results = {
    suite: 'raftkit bench (issue 8)',
    startedAt: new Date().toISOString(),
    options: { quick: opts.quick, only: [...opts.only] },
    machine: describeMachine(outDir),
    rows: {},
  };
  process.stderr.write(
    `raftkit bench${opts.quick ? ' --quick' : ''}: ${results.machine.nproc} cores, ${results.machine.cpuModel}, Node ${results.machine.node}, load ${results.machine.loadAverage.join(' ')}\n`,
  );
  for (const row of ROWS) {
    const entry = { id: row.id, n: row.n, title: row.title };
    results.rows[row.id] = entry;
    if (!opts.only.has(row.id)) {
      Object.assign(entry, { status: 'not run', reason: 'not selected with --only' });
      continue;
    }
    progress.row(row.n, row.title);
    entry.loadBefore = loadNow();
    const r0 = performance.now();
    try {
      const mod = await row.load();
      const data = await mod[row.fn]({ quick: opts.quick }, results.rows);
      if (data?.skipped) Object.assign(entry, { status: 'skipped', reason: data.skipped });
      else Object.assign(entry, { status: 'ok', data });
    } catch (e) {
      Object.assign(entry, {
        status: 'failed',
        reason: e?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(e),
      });
      progress.warn(`row ${row.n} failed: ${e?.message ?? e}`);
    }
    entry.durationS = (performance.now() - r0) / 1000;
    entry.loadAfter = loadNow();
  }
  results.durationS = (performance.now() - t0) / 1000;
  results.loadAtEnd = loadNow();
  results.targets = evaluateTargets(results);

  let lines;
  if (opts.report) {
    const charts = writeCharts(results, outDir);
    lines = writeReport(results, results.targets, charts, outDir);
    results.charts = charts.map((c) => c.file);
  } else lines = tableLines(results);
  results.table = lines;
  const json = `${JSON.stringify(results, null, 1)}\n`;
  writeFileSync(resolve(outDir, 'latest.json'), json);
  if (opts.json) {
    mkdirSync(dirname(resolve(opts.json)), { recursive: true });
    writeFileSync(resolve(opts.json), json);
  }
  process.stdout.write(`${renderText(lines)}\n\nTargets:\n`);
  for (const t of results.targets) process.stdout.write(`  [${t.status}] ${t.target}\n`);
  process.stderr.write(
    `done in ${results.durationS.toFixed(0)} s: ${resolve(outDir, 'latest.json')}${opts.report ? `, ${resolve(outDir, 'REPORT.md')}` : ''}${opts.json ? `, ${resolve(opts.json)}` : ''}\n`,
  );
  const failed = Object.values(results.rows).filter((r) => r.status === 'failed');
  if (failed.length)
    process.stderr.write(`rows that failed (see the report): ${failed.map((r) => r.n).join(', ')}\n`);
  return 0;
}

/** Rewrites the report and charts from a previous run's latest.json. */
function rerender(outDir) {
  const file = resolve(outDir, 'latest.json');
  const results = JSON.parse(readFileSync(file, 'utf8'));
  results.targets = evaluateTargets(results);
  const charts = writeCharts(results, outDir);
  results.charts = charts.map((c) => c.file);
  results.table = writeReport(results, results.targets, charts, outDir);
  writeFileSync(file, `${JSON.stringify(results, null, 1)}\n`);
  process.stderr.write(`rewrote ${resolve(outDir, 'REPORT.md')} and ${charts.length} charts from ${file}\n`);
  return 0;
}

export { ROW_IDS };
