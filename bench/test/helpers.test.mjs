// Unit tests of the suite's pure helpers (no timing is asserted):
//   node --test bench/test      (or: pnpm --filter @raftkit/bench test)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, resultsDir, UsageError } from '../src/args.mjs';
import { evaluateTargets } from '../src/baselines.mjs';
import { closedLoopRunner, compareClosedLoop } from '../src/inthread-harness.mjs';
import { percentile, Samples, summarize } from '../src/stats.mjs';
import { barChart, lineChart } from '../src/svg.mjs';
import { renderMarkdown, tableLines } from '../src/table.mjs';
import { interleaved } from '../src/tcp/measure.mjs';
import { processCpuSeconds } from '../src/tcp/proc-cpu.mjs';

test('percentile is nearest-rank and summarize leaves its input alone', () => {
  const xs = [5, 1, 4, 2, 3];
  const s = summarize(xs);
  assert.deepEqual(xs, [5, 1, 4, 2, 3]);
  assert.equal(s.p50, 3);
  assert.equal(s.max, 5);
  assert.equal(percentile([1, 2, 3, 4], 99), 4);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('Samples keeps at most its cap and counts everything it saw', () => {
  const s = new Samples(10);
  for (let i = 0; i < 1000; i++) s.push(i);
  assert.equal(s.values.length, 10);
  assert.equal(s.seen, 1000);
});

test('parseArgs reads the flags and refuses unknown rows and arguments', () => {
  const o = parseArgs(['--quick', '--json', 'out.json', '--only', 'core,peers']);
  assert.equal(o.quick, true);
  assert.equal(o.json, 'out.json');
  assert.deepEqual([...o.only], ['core', 'peers']);
  assert.throws(() => parseArgs(['--only', 'nope']), UsageError);
  assert.throws(() => parseArgs(['--json']), UsageError);
  assert.throws(() => parseArgs(['--fast']), UsageError);
  assert.throws(() => parseArgs(['--json', '--only', 'core']), /--json/);
  assert.throws(() => parseArgs(['stray']), UsageError);
});

test('the SVG writer draws every series and skips what a log axis cannot show', () => {
  const svg = lineChart({
    title: 'T & <x>',
    xLabel: 'x',
    yLabel: 'y',
    xScale: 'log2',
    yScale: 'log10',
    series: [
      {
        name: 'a',
        points: [
          [1, 10],
          [16, 1000],
          [64, 0],
        ],
      },
      { name: 'b', points: [[1, 5]] },
    ],
  });
  assert.match(svg, /^<svg /);
  assert.match(svg, /<\/svg>\n$/);
  assert.match(svg, /T &amp; &lt;x&gt;/);
  assert.equal((svg.match(/<circle /g) ?? []).length, 3 + 2); // 3 data points + 2 legend marks
  const bars = barChart({
    title: 'B',
    xLabel: '',
    yLabel: '',
    groups: ['1', '2'],
    series: [{ name: 'p50', values: [1, 2] }],
  });
  assert.equal((bars.match(/<rect x=/g) ?? []).length, 2 + 1); // 2 bars + 1 legend swatch
  assert.match(lineChart({ title: 'E', xLabel: '', yLabel: '', series: [] }), /no data in this run/);
});

test('targets: met, missed and not measured follow the figures', () => {
  const lat = { n: 1, mean: 0.01, p50: 0.01, p99: 0.02, p999: 0.03, max: 0.03 };
  const coreRow = (perSec) => ({ proposalsPerSec: perSec, stepsPerSec: perSec * 8, latencyMs: lat });
  const results = {
    rows: {
      core: { status: 'ok', data: { byClients: { 1: coreRow(100_000), 64: coreRow(250_000) } } },
      cluster: { status: 'failed', reason: 'boom' },
    },
  };
  const t = evaluateTargets(results);
  const core = t.find((x) => x.target.startsWith('the core alone'));
  assert.equal(core.status, 'met');
  assert.equal(core.ratio, 1.25);
  assert.equal(t.find((x) => x.target.startsWith('3 worker-thread')).status, 'not measured');
  const lines = tableLines({
    rows: { ...results.rows, limits: { status: 'not run', reason: 'not selected' } },
  });
  assert.ok(lines.some((l) => l.result.startsWith('FAILED: boom')));
  assert.match(renderMarkdown(lines), /^\| row \| configuration/);
});

test('the in-thread harness commits every proposal of a fake cluster and alternates slices', () => {
  const fake = () => {
    let pending = [];
    return {
      name: 'fake',
      steps: 0,
      elect() {},
      propose(c) {
        pending.push(c);
      },
      pump(onCommit) {
        const p = pending;
        pending = [];
        this.steps += p.length;
        for (const c of p) onCommit(c);
      },
    };
  };
  const r = closedLoopRunner(fake, 4).run(20);
  assert.ok(r.committed > 0 && r.committed % 4 === 0);
  const { a, b } = compareClosedLoop(fake, fake, { clients: 2, ms: 20, warmupMs: 0, slices: 2 });
  assert.ok(a.committed > 0 && b.committed > 0);
  assert.ok(a.latencyMs.n > 0);
});

test('a quick run writes beside the committed full report, not over it', () => {
  assert.equal(resultsDir(parseArgs([]), '/b'), '/b/results');
  assert.equal(resultsDir(parseArgs(['--quick']), '/b'), '/b/results/tmp/quick');
  assert.equal(resultsDir(parseArgs(['--quick', '--out', '/elsewhere']), '/b'), '/elsewhere');
  assert.equal(resultsDir(parseArgs(['--only', 'tcp']), '/b'), '/b/results/tmp/partial');
  assert.equal(resultsDir(parseArgs(['--rerender']), '/b'), '/b/results');
});

test('the TCP row alternates the systems A B B A and reads CPU time from /proc', () => {
  assert.deepEqual(interleaved(['a', 'b'], 3), ['a', 'b', 'b', 'a', 'a', 'b']);
  assert.deepEqual(interleaved(['a'], 2), ['a', 'a']);
  // Burn some CPU so that at least one clock tick is charged to this process.
  const t = performance.now();
  while (performance.now() - t < 50);
  assert.ok(processCpuSeconds(process.pid) > 0);
  assert.equal(processCpuSeconds(2 ** 30), null);
});

test('targets against etcd: ratios from row 6, and the reason when etcd is absent', () => {
  const lat = (p50) => ({ n: 10, mean: p50, p50, p99: p50 * 4, p999: p50 * 5, max: p50 * 6 });
  const side = (perSec, p50, cpuMsPerOp) => ({
    perSec,
    ops: perSec,
    errors: 0,
    lastError: null,
    latencyMs: lat(p50),
    cpuMsPerOp,
    serverCores: 0.5,
    runsPerSec: [perSec],
  });
  const pair = (clients, r, e) => ({
    clients,
    raftkit: r,
    etcd: e,
    ratio: {
      perSec: r.perSec / e.perSec,
      p50: r.latencyMs.p50 / e.latencyMs.p50,
      p99: r.latencyMs.p99 / e.latencyMs.p99,
      cpuPerOp: r.cpuMsPerOp / e.cpuMsPerOp,
    },
  });
  const tcp = {
    etcdSkipped: null,
    idle: { raftkit: { cores: 0.1, wallS: 5 }, etcd: { cores: 0.04, wallS: 5 } },
    writes: [
      pair(1, side(300, 3, 4), side(600, 1.5, 1)),
      pair(16, side(2000, 8, 0.5), side(1000, 16, 0.6)),
      pair(64, side(6000, 10, 0.2), side(3000, 20, 0.2)),
      pair(256, side(9000, 28, 0.1), side(4000, 60, 0.15)),
    ],
    reads: pair(64, side(20000, 3, 0.05), side(5000, 12, 0.1)),
    failover: {
      raftkit: { samplesMs: [1000, 1200, 1400], timedOut: 0, errors: 3 },
      etcd: { samplesMs: [1100, 1300, 2000], timedOut: 0, errors: 3 },
    },
  };
  const t = evaluateTargets({ rows: { tcp: { status: 'ok', data: tcp } } });
  const of = (prefix) => t.find((x) => x.target.startsWith(prefix));
  assert.equal(of('TCP, 3 processes, LMDB: writes/s').status, 'met');
  assert.equal(of('TCP, 3 processes, LMDB: writes/s').ratio, 2 / 1.5);
  assert.equal(of('TCP: 1-client p50').status, 'missed');
  assert.equal(of('TCP: server CPU per write').ratio, 1 / 4);
  assert.equal(of('TCP: an idle').status, 'missed');
  assert.equal(of('TCP failover (kill').status, 'met');
  assert.equal(of('TCP: linearizable reads').status, 'met');
  assert.equal(of('state growth').status, 'not measured');
  assert.ok(
    tableLines({ rows: { tcp: { status: 'ok', data: tcp } } }).some((l) =>
      /raftkit\/etcd: writes\/s 2\.00x/.test(l.baseline),
    ),
  );

  const alone = {
    ...tcp,
    etcdSkipped: 'no etcd binary',
    idle: { raftkit: tcp.idle.raftkit },
    writes: tcp.writes.map((w) => ({ clients: w.clients, raftkit: w.raftkit, etcd: undefined, ratio: null })),
    reads: { clients: 64, raftkit: tcp.reads.raftkit, ratio: null },
    failover: { raftkit: tcp.failover.raftkit },
  };
  const t2 = evaluateTargets({ rows: { tcp: { status: 'ok', data: alone } } });
  assert.equal(t2.find((x) => x.target.startsWith('TCP: 1-client p50')).status, 'not measured');
  assert.match(t2.find((x) => x.target.startsWith('TCP: 1-client p50')).note, /no etcd binary/);
  const lines = tableLines({ rows: { tcp: { status: 'ok', data: alone } } });
  assert.ok(lines.every((l) => !l.baseline || /etcd not measured: no etcd binary/.test(l.baseline)));
});

test('state growth: window rates from the stamps, distinct keys and values, targets only at 1M keys', async () => {
  const { growthKey, growthValue, windowRate } = await import('../src/rows/growth.mjs');
  // A stamp every 1000 writes: 1 s per 1000 writes up to 10k, then 2 s per 1000.
  const stamps = Array.from({ length: 21 }, (_, k) => (k <= 10 ? k * 1000 : 10_000 + (k - 10) * 2000));
  assert.equal(windowRate(stamps, 0, 10_000), 1000);
  assert.equal(windowRate(stamps, 10_000, 20_000), 500);
  assert.equal(windowRate(stamps, 10_000, 30_000), null); // past the last stamp
  assert.equal(new Set(Array.from({ length: 5000 }, (_, i) => growthKey(i))).size, 5000);
  assert.equal(growthKey(999_999).length, 8);
  assert.equal(growthValue(7).length, 100);
  assert.notEqual(growthValue(7), growthValue(8));

  const growth = (keys) => ({
    keys,
    clients: 64,
    window: 20_000,
    loadS: 100,
    maxLatencyMs: 50,
    writesPerSec: { early: 10_000, late: 9500, earlyAt: 10_000, lateAt: keys - 20_000 },
    ratio: 0.95,
    memory: { rawBytes: 108e6, perReplicaBytes: 400e6, perReplicaVsRaw: 400 / 108 },
    restart: { startedMs: 1000, caughtUpMs: 2500 },
  });
  const at = (keys) => evaluateTargets({ rows: { growth: { status: 'ok', data: growth(keys) } } });
  const of = (t, prefix) => t.find((x) => x.target.startsWith(prefix));
  const full = at(1_000_000);
  assert.equal(of(full, 'state growth, 1M keys').status, 'met');
  assert.equal(of(full, 'state growth: memory').status, 'missed');
  assert.equal(of(full, 'state growth: restart').status, 'met');
  const quick = at(100_000);
  assert.equal(of(quick, 'state growth, 1M keys').status, 'not measured');
  assert.match(of(quick, 'state growth, 1M keys').note, /only 100000 keys/);
  const lines = tableLines({ rows: { growth: { status: 'ok', data: growth(1_000_000) } } });
  assert.ok(lines.some((l) => l.row === '10' && /0\.95x \(target >= 0\.9x\)/.test(l.baseline)));
});
