// Row 6's table lines: raftkit's figures, etcd's, and raftkit / etcd of each.
import { fmtCount, fmtMs, fmtRatio, summarize } from '../stats.mjs';

const cpu = (ms) => (ms === null ? 'n/a' : fmtMs(ms));
const idleLine = (x) =>
  `${x.cores.toFixed(3)} cores${x.wakeupsPerSec === undefined ? '' : ` (${x.wakeupsPerSec.toFixed(0)} wake-ups/s)`}`;

function opsLine(x, unit) {
  return `${fmtCount(x.perSec)} ${unit}/s, p50 ${fmtMs(x.latencyMs.p50)} p99 ${fmtMs(x.latencyMs.p99)}, server CPU ${cpu(x.cpuMsPerOp)}/op${x.errors ? `; ${x.errors} errors` : ''}`;
}

function versus(e, ratio, unit, skipped) {
  if (!e) return `etcd not measured: ${skipped}`;
  return `etcd ${opsLine(e, unit)}; raftkit/etcd: ${unit}/s ${fmtRatio(ratio.perSec)}, p50 ${fmtRatio(ratio.p50)}, p99 ${fmtRatio(ratio.p99)}, CPU/op ${fmtRatio(ratio.cpuPerOp)}`;
}

/** Median and p99 of one system's failover samples, with the count of timed-out ones. */
export function failoverSummary(f) {
  const s = summarize(f.samplesMs);
  return { medianMs: s.p50, p99Ms: s.p99, maxMs: s.max, n: s.n, timedOut: f.timedOut };
}

export function tcpTableLines(d, add) {
  const skipped = d.etcdSkipped;
  for (const w of d.writes) {
    add(
      '6',
      `TCP, 3 processes loopback, ${w.clients} client(s), 100 B puts: raftkit`,
      opsLine(w.raftkit, 'writes'),
      versus(w.etcd, w.ratio, 'writes', skipped),
    );
  }
  add(
    '6',
    `TCP, ${d.reads.clients} clients, linearizable gets: raftkit`,
    opsLine(d.reads.raftkit, 'reads'),
    versus(d.reads.etcd, d.reads.ratio, 'reads', skipped),
  );
  const idle = d.idle;
  add(
    '6',
    'TCP, idle 3-node cluster: server CPU',
    `raftkit ${idleLine(idle.raftkit)}`,
    idle.etcd
      ? `etcd ${idleLine(idle.etcd)}; raftkit/etcd ${fmtRatio(idle.raftkit.cores / idle.etcd.cores)}`
      : `etcd not measured: ${skipped}`,
  );
  const r = failoverSummary(d.failover.raftkit);
  const e = d.failover.etcd ? failoverSummary(d.failover.etcd) : null;
  const fo = (x) =>
    `median ${fmtMs(x.medianMs)}, p99 ${fmtMs(x.p99Ms)} (${x.n} kills${x.timedOut ? `, ${x.timedOut} without an ack in 30 s` : ''})`;
  add(
    '6',
    'TCP, kill -9 of the leader, 1 client: kill -> next acknowledged write',
    `raftkit ${fo(r)}`,
    e
      ? `etcd ${fo(e)}; raftkit/etcd median ${fmtRatio(r.medianMs / e.medianMs)}, p99 ${fmtRatio(r.p99Ms / e.p99Ms)}`
      : `etcd not measured: ${skipped}`,
  );
}
