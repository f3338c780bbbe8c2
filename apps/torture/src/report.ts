import type { TortureResult } from './torture.js';

/** The human report (stdout): setup, timeline of faults and leaders, numbers, verdicts, and the replay command on failure. */
export function formatReport(r: TortureResult): string {
  const lines: string[] = [];
  lines.push(`raftkit torture: ${r.nodes.length} nodes, ${r.durationS} s of faults, seed ${r.seed}`);
  lines.push(`nemeses: ${r.nemeses.join(', ') || 'none'}`);
  for (const s of r.skipped) lines.push(`  skipped ${s.nemesis}: ${s.reason}`);
  lines.push('', 'timeline:');
  for (const e of r.timeline) lines.push(`  ${(e.t / 1000).toFixed(1).padStart(7)}s  ${e.text}`);
  lines.push('', 'faults applied:');
  const counts = Object.entries(r.faultCounts);
  if (counts.length === 0) lines.push('  none');
  for (const [kind, n] of counts) lines.push(`  ${kind.padEnd(20)} ${n}`);
  if (r.faultsSkipped > 0) lines.push(`  (${r.faultsSkipped} scheduled faults not applied)`);
  const p = r.proxy;
  lines.push(
    `proxied frames: ${p.forwarded} forwarded, ${p.cut} cut, ${p.dropped} dropped, ${p.delayed} delayed; ${p.connections} connections`,
  );
  const o = r.operations;
  lines.push(
    `operations: ${o.total} checked (${o.ok} ok, ${o.fail} failed reads, ${o.info} indeterminate writes), ${o.ackedWrites} acknowledged unique writes`,
  );
  lines.push(
    `leaders seen: ${r.leaders}; longest time without a successful operation: ${r.longestUnavailableMs} ms (from ${(r.longestUnavailableAt / 1000).toFixed(1)}s)` +
      (r.recoveryMs === null ? '' : `; serving again ${r.recoveryMs} ms after the final heal`),
  );
  lines.push('', 'verdicts:');
  for (const v of r.verdicts) lines.push(`  ${v.ok ? 'PASS' : 'FAIL'}  ${v.name}: ${v.detail}`);
  if (r.explanation) lines.push('', r.explanation);
  lines.push('');
  if (r.ok) lines.push('PASS');
  else {
    lines.push(`FAIL (seed ${r.seed})`);
    lines.push(`replay the fault schedule: ${r.replay}`);
  }
  if (r.dir) lines.push(`node logs and data: ${r.dir}`);
  return `${lines.join('\n')}\n`;
}

/** The machine-readable summary (the last line with --json). */
export function resultJson(r: TortureResult): string {
  return JSON.stringify({
    ok: r.ok,
    seed: r.seed,
    nodes: r.nodes.length,
    durationS: r.durationS,
    nemeses: r.nemeses,
    skipped: r.skipped,
    faultCounts: r.faultCounts,
    faultsSkipped: r.faultsSkipped,
    proxy: r.proxy,
    operations: r.operations,
    longestUnavailableMs: r.longestUnavailableMs,
    recoveryMs: r.recoveryMs,
    leaders: r.leaders,
    verdicts: r.verdicts.map(({ name, ok, detail }) => ({ name, ok, detail })),
    timeline: r.timeline,
    replay: r.replay,
    dir: r.dir,
  });
}
