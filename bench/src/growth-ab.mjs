#!/usr/bin/env node
// Row 10 (state growth) on two builds in one run: the same load, the builds
// one after the other (before, after, and with --reps 2 after, before), each
// figure as after / before. For before/after measurements of a change:
//
//   git worktree add --detach /tmp/before main && (cd /tmp/before && pnpm install --frozen-lockfile --offline \
//     && pnpm --filter @raftkit/runtime build)                    # before the change (built)
//   pnpm build                                                     # after the change
//   node --expose-gc bench/src/growth-ab.mjs --before /tmp/before [--keys 300000] [--window 10000] [--reps 1]
//
// --after-options JSON / --before-options JSON: createCluster options of either
// side (e.g. '{"snapshotStateRatio":0}' to compare a setting on one build).
// Progress on stderr; the results as JSON on stdout.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { progress } from './progress.mjs';
import { measureGrowth } from './rows/growth.mjs';
import { fmtCount, fmtMs, fmtRatio } from './stats.mjs';

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    keys: { type: 'string', default: '300000' },
    window: { type: 'string', default: '10000' },
    reps: { type: 'string', default: '1' },
    'before-options': { type: 'string', default: '{}' },
    'after-options': { type: 'string', default: '{}' },
  },
});
if (!values.before) {
  process.stderr.write(
    'usage: node --expose-gc bench/src/growth-ab.mjs --before DIR [--keys 300000] [--window 10000] [--reps 1] [--before-options JSON] [--after-options JSON]\n',
  );
  process.exit(2);
}
const shape = { keys: Number(values.keys), window: Number(values.window) };
const beforeRuntime = await import(
  pathToFileURL(join(resolve(values.before), 'packages/runtime/dist/index.js')).href
);
const sides = {
  before: { runtime: beforeRuntime, options: JSON.parse(values['before-options']) },
  after: { options: JSON.parse(values['after-options']) },
};
const order = [];
for (let r = 0; r < Number(values.reps); r++)
  order.push(...(r % 2 ? ['after', 'before'] : ['before', 'after']));
const out = { shape, before: [], after: [] };
for (const name of order) {
  progress.step(`${name}: ${fmtCount(shape.keys)} keys`);
  const r = await measureGrowth(shape, sides[name]);
  delete r.rateCurve;
  out[name].push(r);
}
const mean = (list, pick) => list.reduce((a, r) => a + pick(r), 0) / list.length;
const figures = [
  ['writes/s early', (r) => r.writesPerSec.early, fmtCount],
  ['writes/s late', (r) => r.writesPerSec.late, fmtCount],
  ['late / early', (r) => r.ratio, (x) => x.toFixed(2)],
  ['load s', (r) => r.loadS, (x) => x.toFixed(1)],
  ['MB per replica', (r) => r.memory.perReplicaBytes / 1e6, (x) => x.toFixed(0)],
  [
    'heap MB per node',
    (r) => mean(r.memory.heaps.filter(Boolean), (h) => h.heapUsedBytes) / 1e6,
    (x) => x.toFixed(0),
  ],
  [
    'external MB per node',
    (r) => mean(r.memory.heaps.filter(Boolean), (h) => h.externalBytes) / 1e6,
    (x) => x.toFixed(0),
  ],
  ['restart caught up', (r) => r.restart.caughtUpMs, fmtMs],
  ['snapshots taken per node', (r) => mean(r.snapshots.filter(Boolean), (s) => s.taken), (x) => x.toFixed(1)],
  ['full hash checks per node', (r) => mean(r.hashChecks ?? [], (n) => n ?? 0), (x) => x.toFixed(1)],
];
for (const [label, pick, fmt] of figures) {
  const b = mean(out.before, pick);
  const a = mean(out.after, pick);
  process.stderr.write(`${label}: ${fmt(b)} -> ${fmt(a)} (${fmtRatio(a / b)})\n`);
}
process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
process.exit(0);
