// REPORT.md and its SVG charts from one run's results.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmtCount, fmtMs, fmtRatio } from './stats.mjs';
import { barChart, lineChart } from './svg.mjs';
import { renderMarkdown, tableLines } from './table.mjs';

const ANALYSIS = new URL('../ANALYSIS.md', import.meta.url);

/** Writes the charts; returns their file names (relative to the results dir). */
export function writeCharts(results, dir) {
  const charts = [];
  const cluster = results.rows.cluster?.status === 'ok' ? results.rows.cluster.data : null;
  if (cluster) {
    const shapes = [...new Set(cluster.results.map((r) => `${r.nodes} nodes, ${r.storage}`))];
    const series = shapes.map((name) => ({
      name,
      points: cluster.results
        .filter((r) => `${r.nodes} nodes, ${r.storage}` === name)
        .map((r) => [r.clients, r.writesPerSec]),
    }));
    const tcp = results.rows.tcp?.status === 'ok' ? results.rows.tcp.data : null;
    if (tcp)
      series.push({ name: 'TCP 3 procs, lmdb', points: tcp.results.map((r) => [r.clients, r.writesPerSec]) });
    if (tcp?.writes && !tcp.etcdSkipped)
      series.push({ name: 'etcd, TCP 3 procs', points: tcp.writes.map((r) => [r.clients, r.etcd.perSec]) });
    writeFileSync(
      join(dir, 'throughput.svg'),
      lineChart({
        title: 'Committed writes/s vs concurrent clients (100-byte puts)',
        xLabel: 'concurrent clients (log scale)',
        yLabel: 'committed writes/s (log scale)',
        xScale: 'log2',
        yScale: 'log10',
        series,
        hlines: [
          { y: 200_000, label: 'target, memory: 200k/s' },
          { y: 50_000, label: 'target, LMDB: 50k/s' },
        ],
      }),
    );
    charts.push({ file: 'throughput.svg', what: 'throughput vs clients' });
    for (const name of shapes) {
      const rs = cluster.results.filter((r) => `${r.nodes} nodes, ${r.storage}` === name);
      const file = `latency-${name.replace(/[ ,]+/g, '-')}.svg`;
      writeFileSync(
        join(dir, file),
        barChart({
          title: `Write latency percentiles: ${name}`,
          xLabel: 'concurrent clients',
          yLabel: 'latency, ms (log scale)',
          yScale: 'log10',
          groups: rs.map((r) => `${r.clients}`),
          series: [
            { name: 'p50', values: rs.map((r) => r.latencyMs.p50) },
            { name: 'p99', values: rs.map((r) => r.latencyMs.p99) },
            { name: 'p99.9', values: rs.map((r) => r.latencyMs.p999) },
          ],
        }),
      );
      charts.push({ file, what: `latency percentiles, ${name}` });
    }
  }
  return charts;
}

function machineSection(results) {
  const m = results.machine;
  const perRow = Object.values(results.rows)
    .filter((r) => r.loadBefore)
    .map((r) => `row ${r.n} ${r.loadBefore[0]} -> ${r.loadAfter?.[0] ?? '?'}`)
    .join('; ');
  return [
    '## Machine',
    '',
    `- CPU: ${m.nproc} cores (\`nproc\`), ${m.cpuModel}`,
    `- Node ${m.node} on ${m.platform}`,
    `- load average (1/5/15 min) at the start: ${m.loadAverage.join(' / ')}; at the end: ${results.loadAtEnd.join(' / ')}. 1-minute load per row (start -> end): ${perRow}`,
    "- The machine is shared with other engineers' builds and tests: absolute numbers move by up to 2x between runs; ratios measured in the same run are the figures to compare.",
    '',
    '`free -h`:',
    '```',
    m.memory,
    '```',
    'Disk holding the temp dirs (LMDB stores) and the repository:',
    '```',
    m.disk,
    '```',
  ].join('\n');
}

const TARGET_GROUPS = {
  'issue 8': 'Targets of issue 8 (worker cluster; published figures)',
  'issue 17': 'Targets of issue 17 (against etcd on this machine, same run; worker data path)',
};

function targetsSection(targets) {
  const out = [];
  for (const [group, title] of Object.entries(TARGET_GROUPS)) {
    const ts = targets.filter((t) => (t.group ?? 'issue 8') === group);
    if (!ts.length) continue;
    out.push(
      `## ${title}`,
      '',
      '| target | measured | status | measured / target |',
      '| --- | --- | --- | --- |',
    );
    for (const t of ts) {
      const m = t.measured ? describeMeasured(t.measured) : '—';
      const ratio = t.ratio === null || t.ratio === undefined ? '—' : fmtRatio(t.ratio);
      out.push(`| ${t.target} | ${m}${t.note ? ` (${t.note})` : ''} | **${t.status}** | ${ratio} |`);
    }
    out.push('');
  }
  out.push(
    '"measured / target" is above 1 when the target is met (for latency, CPU and time targets: target / measured; against etcd: the ratio to etcd over the ratio the target asks for).',
  );
  return out.join('\n');
}

function describeMeasured(m) {
  const parts = [];
  for (const [k, v] of Object.entries(m)) {
    if (k === 'ratios' && Array.isArray(v))
      parts.push(v.map((r) => `${r.peer} @${r.clients}: ${fmtRatio(r.ratio)}`).join(', '));
    else if (k === 'byClients')
      parts.push(
        Object.entries(v)
          .map(([c, x]) => `${c} client(s): ${fmtCount(x)}/s`)
          .join(', '),
      );
    else if (k === 'ratios' || typeof v === 'string') parts.push(`${k} ${v}`);
    else if (/Cores$/.test(k)) parts.push(`${k.replace(/Cores$/, '')} ${v.toFixed(3)} cores`);
    else if (/Us$/.test(k)) parts.push(`${k.replace(/Us$/, '')} ${v.toFixed(1)} µs`);
    else if (/Ms$/.test(k)) parts.push(`${k.replace(/Ms$/, '')} ${fmtMs(v)}`);
    else if (/S$/.test(k)) parts.push(`${k.replace(/S$/, '')} ${v.toFixed(2)} s`);
    else if (/Et$/.test(k)) parts.push(`${k.replace(/Et$/, '')} ${v.toFixed(2)} ET`);
    else if (/PerSec$/.test(k)) parts.push(`${fmtCount(v)}/s`);
    else parts.push(`${k} ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(2)) : v}`);
  }
  return parts.join(', ');
}

function configSection(results) {
  const out = ['## Configuration of each row', ''];
  for (const r of Object.values(results.rows)) {
    out.push(`### Row ${r.n}: ${r.title}`, '');
    if (r.status !== 'ok') {
      out.push(`**${r.status}**: ${r.reason ?? ''}`, '');
      continue;
    }
    const cfg = r.data.config ?? {};
    for (const [k, v] of Object.entries(cfg)) out.push(`- ${k}: ${Array.isArray(v) ? v.join(', ') : v}`);
    out.push(`- took ${r.durationS.toFixed(1)} s`, '');
    out.push(...rowDetails(r), '');
  }
  return out.join('\n');
}

/** How a cluster result's actors talked: results from before direct links carry no router counter. */
function linksOf(x) {
  if (x.directLinks === false) return 'router';
  if (x.parallelLeaderWrites === false) return 'direct, leader persists first';
  return x.perWrite.routerBatches === undefined ? '—' : 'direct';
}

function rowDetails(r) {
  const d = r.data;
  const out = [];
  if (r.id === 'cluster') {
    out.push(
      '| nodes | storage | links | clients | writes/s | p50 | p99 | p99.9 | CPU/write (process) | frames/write | batches/write | router batches/write | storage txns/write (all) | leader txns/write | leader mean persist |',
    );
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const x of [...d.results, ...(d.viaRouter ?? []), ...(d.serialLeader ?? [])]) {
      const p = x.perWrite;
      out.push(
        `| ${x.nodes} | ${x.storage} | ${linksOf(x)} | ${x.clients} | ${fmtCount(x.writesPerSec)} | ${fmtMs(x.latencyMs.p50)} | ${fmtMs(x.latencyMs.p99)} | ${fmtMs(x.latencyMs.p999)} | ${x.cpuUsPerWrite === undefined ? '—' : `${x.cpuUsPerWrite.toFixed(1)} µs`} | ${p.raftFrames.toFixed(2)} | ${p.raftBatches.toFixed(2)} | ${p.routerBatches === undefined ? '—' : p.routerBatches.toFixed(2)} | ${p.storageTxns.toFixed(3)} | ${p.leaderStorageTxns === null ? 'leader changed' : p.leaderStorageTxns.toFixed(3)} | ${x.storage === 'lmdb' ? fmtMs(x.leaderMeanPersistMs) : '—'} |`,
      );
    }
  } else if (r.id === 'failover') {
    for (const x of d.results) {
      out.push(
        `- ${x.defences}: per failover ${x.campaignsPerFailover.preCandidate.toFixed(2)} pre-vote campaigns and ${x.campaignsPerFailover.candidate.toFixed(2)} vote campaigns (statechart transitions); new leader elected after median ${fmtMs(x.electedMs.p50)} (${x.electedMs.medianEt.toFixed(2)} ET), p99 ${fmtMs(x.electedMs.p99)}; all samples (ms, write committed): ${x.samplesMs.join(', ')}`,
      );
    }
  } else if (r.id === 'tcp' && d.writes) {
    out.push(...tcpDetails(d));
  } else if (r.id === 'reads') {
    const last = d.results.filter((x) => x.leaseModesOf50DirectReads);
    for (const x of last)
      out.push(
        `- ${x.storage}: 50 direct \`node.read(k, 'lease')\` on the leader after the run were confirmed by: ${JSON.stringify(x.leaseModesOf50DirectReads)}`,
      );
  } else if (r.id === 'checker' && !d.skipped) {
    for (const x of d.results) {
      out.push(
        `- ${x.label}: verdicts ${JSON.stringify(x.single.verdicts)}; ${x.single.matchedExpected} of ${x.single.withExpected} with a known verdict match it (pool: ${x.pool.matchedExpected}); search steps ${x.searchSteps ?? 'n/a'}`,
      );
      for (const e of x.single.errors) out.push(`  - not judged: ${e}`);
      for (const e of x.single.mismatches) out.push(`  - MISMATCH: ${e}`);
    }
  } else if (r.id === 'peers') {
    for (const p of d.peers) {
      if (p.skipped) {
        out.push(`- **${p.peer}: not measured.** ${p.skipped}`);
        continue;
      }
      out.push(`- **${p.peer} ${p.version}** — ${p.config}. Compared with: ${p.against}.`);
      for (const x of p.rows) {
        out.push(
          `  - ${x.clients} client(s): ${fmtCount(x.peerPerSec)}/s (p50 ${fmtMs(x.peerLatencyMs.p50)}, p99 ${fmtMs(x.peerLatencyMs.p99)}${x.peerLost ? `, ${x.peerLost} commands never committed` : ''}${x.peerErrors ? `, ${x.peerErrors} errors, last: ${x.peerLastError}` : ''}) vs raftkit ${fmtCount(x.raftkitPerSec)}/s (p50 ${fmtMs(x.raftkitLatencyMs.p50)}): ratio **${fmtRatio(x.ratio)}**${x.ratioToRow3 !== null && x.ratioToRow3 !== undefined ? `; vs row 3 memory (${fmtCount(x.raftkitRow3PerSec)}/s): ${fmtRatio(x.ratioToRow3)}` : ''}${x.ratioToLmdb !== null && x.ratioToLmdb !== undefined ? `; vs row 3 LMDB (${fmtCount(x.raftkitLmdbPerSec)}/s): ${fmtRatio(x.ratioToLmdb)}` : ''}`,
        );
      }
    }
  }
  return out;
}

/** Row 6 against etcd: each measurement's figures, the runs behind them, the failover samples. */
function tcpDetails(d) {
  const systems = d.etcdSkipped ? ['raftkit'] : ['raftkit', 'etcd'];
  const out = [
    '| measurement | system | ops/s | p50 | p99 | p99.9 | server CPU/op | server wake-ups/op | server cores | runs (ops/s) | errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const rows = [
    ...d.writes.map((w) => [`${w.clients} client(s), puts`, w]),
    [`${d.reads.clients} clients, gets`, d.reads],
  ];
  for (const [what, m] of rows)
    for (const s of systems) {
      const x = m[s];
      out.push(
        `| ${what} | ${s} | ${fmtCount(x.perSec)} | ${fmtMs(x.latencyMs.p50)} | ${fmtMs(x.latencyMs.p99)} | ${fmtMs(x.latencyMs.p999)} | ${x.cpuMsPerOp === null ? '—' : fmtMs(x.cpuMsPerOp)} | ${x.wakeupsPerOp == null ? '—' : x.wakeupsPerOp.toFixed(1)} | ${x.serverCores.toFixed(2)} | ${x.runsPerSec.map((v) => fmtCount(v)).join(', ')} | ${x.errors}${x.lastError ? ` (${x.lastError})` : ''} |`,
      );
    }
  out.push('');
  for (const s of systems) {
    const f = d.failover[s];
    out.push(
      `- failover, ${s}: kill -> next acknowledged write (ms): ${f.samplesMs.map((v) => v.toFixed(0)).join(', ')}${f.timedOut ? `; ${f.timedOut} without an ack within 30 s` : ''}; ${f.errors} failed writes in all`,
    );
  }
  for (const s of systems) {
    const i = d.idle[s];
    const wakeups = i.wakeupsPerSec === undefined ? '' : `, ${i.wakeupsPerSec.toFixed(0)} thread wake-ups/s`;
    out.push(`- idle, ${s}: ${i.cores.toFixed(3)} cores${wakeups} over ${i.wallS.toFixed(1)} s`);
  }
  if (d.etcdSkipped) out.push(`- etcd not measured: ${d.etcdSkipped}`);
  return out;
}

export function writeReport(results, targets, charts, dir) {
  const lines = tableLines(results);
  const analysis = existsSync(ANALYSIS) ? readFileSync(ANALYSIS, 'utf8').trim() : '';
  const md = [
    '# raftkit benchmark report',
    '',
    `Generated by \`pnpm bench${results.options.quick ? ' --quick' : ''}\` on ${results.startedAt} (took ${results.durationS.toFixed(0)} s). ${results.options.quick ? '**Quick run: each row ran briefly; for smoke checks, not for figures.**' : 'Full run.'}`,
    'Machine-readable results: [latest.json](latest.json). How to run and what each row does: [bench/README.md](../README.md).',
    '',
    machineSection(results),
    '',
    targetsSection(targets),
    '',
    '## All rows',
    '',
    'Each line names its configuration; "vs baseline" relates it to a limit measured in the same run (row 1) or to the published figures quoted in issue 8 (etcd/raft: 120k proposals/s with 1 proposer, 200k with 64, failover 1.3 election timeouts (ET); hashicorp/raft 3.0 ET; Porcupine 0.75 s).',
    '',
    renderMarkdown(lines),
    '',
    '## Charts',
    '',
    ...charts.flatMap((c) => [`![${c.what}](${c.file})`, '']),
    analysis ? `${analysis}\n` : '',
    configSection(results),
  ].join('\n');
  writeFileSync(join(dir, 'REPORT.md'), md);
  return lines;
}
