#!/usr/bin/env node
// Summarises V8 .cpuprofile files (from `node --cpu-prof`): self time per function,
// with file:line, heaviest first. Used to name bottlenecks in the report.
//
//   node bench/src/profile-top.mjs DIR_OR_FILE... [--top 25]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

/** Self time (ms) per function of one profile, plus the total sampled time. */
export function summariseProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const cf = node.callFrame;
    const url = cf.url
      ? cf.url.replace(/^file:\/\//, '').replace(/.*\/(packages|node_modules|bench)\//, '$1/')
      : '';
    const key = `${cf.functionName || '(anonymous)'} ${url}${url ? `:${cf.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const rows = [...self.entries()]
    .map(([fn, ms]) => ({ fn, ms, share: total ? ms / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs: total, rows };
}

/** Self time of functions named `name`, split by their caller (parent frame). */
export function callersOf(profile, name) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const dt = profile.timeDeltas ?? [];
  const out = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    if (node.callFrame.functionName !== name) continue;
    const chain = [];
    for (let p = parent.get(node.id); p && chain.length < 3; p = parent.get(p.id)) {
      const cf = p.callFrame;
      const url = cf.url.replace(/^file:\/\//, '').replace(/.*\/(packages|node_modules|bench)\//, '$1/');
      chain.push(`${cf.functionName || '(anonymous)'}${url ? ` ${url}:${cf.lineNumber + 1}` : ''}`);
    }
    const key = chain.join(' <- ');
    out.set(key, (out.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  }
  return [...out.entries()].sort((a, b) => b[1] - a[1]);
}

function files(paths) {
  const out = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p)) if (f.endsWith('.cpuprofile')) out.push(join(p, f));
    } else out.push(p);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string' }, callers: { type: 'string' } },
  });
  const top = Number(values.top ?? 25);
  const callers = values.callers ?? null;
  for (const f of files(positionals)) {
    const profile = JSON.parse(readFileSync(f, 'utf8'));
    const { totalMs, rows } = summariseProfile(profile);
    console.log(`\n== ${basename(f)}: ${totalMs.toFixed(0)} ms sampled`);
    if (callers) {
      for (const [chain, ms] of callersOf(profile, callers).slice(0, top)) {
        console.log(`${ms.toFixed(0).padStart(7)} ms  ${callers} <- ${chain}`);
      }
      continue;
    }
    for (const r of rows.slice(0, top)) {
      console.log(`${(r.share * 100).toFixed(1).padStart(5)}% ${r.ms.toFixed(0).padStart(7)} ms  ${r.fn}`);
    }
  }
}
