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
});
