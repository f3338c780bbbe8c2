// The results as table lines (row, configuration, result, vs baseline), for
// stdout and the report. Each line names its configuration.
import { PUBLISHED } from './baselines.mjs';
import { fmtCount, fmtMs, fmtRatio } from './stats.mjs';
import { tcpTableLines } from './tcp/table-lines.mjs';

const lat = (l) => `p50 ${fmtMs(l.p50)} p99 ${fmtMs(l.p99)} p999 ${fmtMs(l.p999)}`;

export function tableLines(results) {
  const lines = [];
  const add = (row, config, result, baseline = '') => lines.push({ row, config, result, baseline });
  const rows = results.rows;
  const notOk = (id, n) => {
    const r = rows[id];
    if (!r) return true; // not in these results at all
    if (r.status === 'ok') return false;
    add(n, r.title, `${r.status.toUpperCase()}: ${r.reason ?? ''}`.trim());
    return true;
  };

  const limits = rows.limits?.data;
  const rtt = limits?.messagePort.frameRoundTrip.p50;
  if (!notOk('limits', '1')) {
    const m = limits.messagePort;
    add('1', 'MessagePort round trip, 8 B (worker echo)', lat(m.emptyRoundTrip), 'baseline');
    add(
      '1',
      `MessagePort round trip, typical frame ${limits.msgpack.frameBytes} B (transferred)`,
      lat(m.frameRoundTrip),
      'baseline',
    );
    if (m.writePathRelay) {
      add('1', 'write-path relay: 6 hops main<->w1<->w2<->w1 (no Raft)', lat(m.writePathRelay), 'baseline');
    }
    add(
      '1',
      `MessagePort pipelined frames, window ${m.pipelined.window}`,
      `${fmtCount(m.pipelined.framesPerSec)} frames/s (${fmtCount(m.pipelined.framesPerSec * 64)} entries/s)`,
      'baseline',
    );
    const c = limits.msgpack;
    add(
      '1',
      'msgpack encode+decode, append 64 x 100 B',
      `${c.encodeDecode.usPerOp.toFixed(1)} µs/frame = ${fmtCount(c.encodeDecode.opsPerSec)} frames/s`,
      `encode ${c.encode.usPerOp.toFixed(1)} µs, decode ${c.decode.usPerOp.toFixed(1)} µs`,
    );
    for (const b of Object.values(limits.lmdb)) {
      add(
        '1',
        `LMDB synced batches of ${b.batchSize} x 116 B${b.stores > 1 ? `, ${b.stores} stores syncing at once (totals)` : ''}`,
        `${fmtCount(b.batchesPerSec)} batches/s, ${fmtCount(b.entriesPerSec)} entries/s, commit p50 ${fmtMs(b.latencyMs.p50)}`,
        'baseline',
      );
    }
  }
  if (!notOk('core', '2')) {
    for (const [clients, r] of Object.entries(rows.core.data.byClients)) {
      const pub = clients === '1' ? PUBLISHED.etcdRaft1 : PUBLISHED.etcdRaft64;
      add(
        '2',
        `core, 3 nodes one thread, memory, ${clients} client(s)`,
        `${fmtCount(r.proposalsPerSec)} proposals/s, ${fmtCount(r.stepsPerSec)} steps/s, ${lat(r.latencyMs)}`,
        `${fmtRatio(r.proposalsPerSec / pub.perSec)} etcd/raft (${fmtCount(pub.perSec)}/s)`,
      );
    }
  }
  if (!notOk('cluster', '3')) {
    for (const r of rows.cluster.data.results) {
      const pw = r.perWrite;
      const pub = r.clients === 1 ? PUBLISHED.etcdRaft1.perSec : PUBLISHED.etcdRaft64.perSec;
      const base = [`${fmtRatio(r.writesPerSec / pub)} etcd/raft in-process`];
      if (rtt) base.push(`p50 = ${(r.latencyMs.p50 / rtt).toFixed(1)} worker RTTs`);
      const coreSame = rows.core?.data?.byClients?.[r.clients];
      if (coreSame) base.push(`${fmtRatio(r.writesPerSec / coreSame.proposalsPerSec)} core alone (row 2)`);
      const disk = limits?.lmdb?.batch64?.batchesPerSec;
      if (r.storage === 'lmdb' && disk && pw.leaderStorageTxns !== null) {
        base.push(
          `leader commits ${fmtRatio((r.writesPerSec * pw.leaderStorageTxns) / disk)} of the disk's synced commits/s (row 1)`,
        );
      }
      const relay = limits?.messagePort.writePathRelay?.p50;
      if (relay && r.clients === 1) base.push(`${(r.latencyMs.p50 / relay).toFixed(1)}x the 6-hop relay`);
      add(
        '3',
        `${r.nodes} nodes, ${r.storage}, ${r.clients} client(s)`,
        `${fmtCount(r.writesPerSec)} writes/s, ${lat(r.latencyMs)}; per write: ${pw.raftFrames.toFixed(2)} frames, ${pw.storageTxns.toFixed(3)} ${r.storage === 'lmdb' ? 'LMDB txns' : 'storage batches'} (all nodes)${r.errors ? `; ${r.errors} errors` : ''}${r.leaderChanged ? `; LEADER CHANGED during the run (${r.newLeaders ?? '?'} elected)` : ''}`,
        base.join('; '),
      );
    }
    for (const r of rows.cluster.data.viaRouter ?? []) {
      const direct = rows.cluster.data.results.find(
        (x) => x.nodes === r.nodes && x.storage === r.storage && x.clients === r.clients,
      );
      add(
        '3',
        `${r.nodes} nodes, ${r.storage}, ${r.clients} client(s), directLinks: false (all via the router)`,
        `${fmtCount(r.writesPerSec)} writes/s, ${lat(r.latencyMs)}; per write: ${r.perWrite.raftBatches.toFixed(2)} batches, ${r.perWrite.routerBatches.toFixed(2)} re-posted by the router${r.errors ? `; ${r.errors} errors` : ''}${r.leaderChanged ? '; LEADER CHANGED during the run' : ''}`,
        direct
          ? `direct links (row above): ${fmtRatio(direct.writesPerSec / r.writesPerSec)} the writes/s, p50 ${fmtRatio(direct.latencyMs.p50 / r.latencyMs.p50)}`
          : '',
      );
    }
  }
  if (rows.cluster?.status === 'ok') {
    for (const r of rows.cluster.data.serialLeader ?? []) {
      const parallel = rows.cluster.data.results.find(
        (x) => x.nodes === r.nodes && x.storage === r.storage && x.clients === r.clients,
      );
      add(
        '3',
        `${r.nodes} nodes, ${r.storage}, ${r.clients} client(s), parallelLeaderWrites: false (leader persists, then sends)`,
        `${fmtCount(r.writesPerSec)} writes/s, ${lat(r.latencyMs)}; per write: ${r.perWrite.storageTxns.toFixed(3)} LMDB txns (all nodes)${r.errors ? `; ${r.errors} errors` : ''}${r.leaderChanged ? '; LEADER CHANGED during the run' : ''}`,
        parallel
          ? `leader writes in parallel with its appends (row 3 above): ${fmtRatio(parallel.writesPerSec / r.writesPerSec)} the writes/s, p50 ${fmtRatio(parallel.latencyMs.p50 / r.latencyMs.p50)}`
          : '',
      );
    }
  }
  if (!notOk('reads', '4')) {
    for (const r of rows.reads.data.results) {
      const w = rows.cluster?.data?.results.find(
        (x) => x.nodes === 3 && x.storage === r.storage && x.clients === 64,
      );
      add(
        '4',
        `3 nodes, ${r.storage}, 64 clients, ${r.mode} reads`,
        `${fmtCount(r.readsPerSec)} reads/s, ${lat(r.latencyMs)}${r.errors ? `; ${r.errors} errors` : ''}`,
        w ? `${fmtRatio(r.readsPerSec / w.writesPerSec)} of writes/s (row 3)` : '',
      );
    }
  }
  if (!notOk('failover', '5')) {
    for (const r of rows.failover.data.results) {
      const c = r.committedMs;
      add(
        '5',
        `3 nodes lmdb, ${r.defences}, ${r.reps} reps`,
        `write committed via new leader: median ${fmtMs(c.p50)} (${c.medianEt.toFixed(2)} ET), p99 ${fmtMs(c.p99)} (${c.p99Et.toFixed(2)} ET); elected median ${fmtMs(r.electedMs.p50)}`,
        `etcd/raft ${PUBLISHED.etcdFailoverEt} ET, hashicorp ${PUBLISHED.hashicorpFailoverEt} ET`,
      );
    }
  }
  if (!notOk('tcp', '6')) {
    if (rows.tcp.data.writes) tcpTableLines(rows.tcp.data, add);
    // Results from before the etcd comparison: raftkit alone.
    else
      for (const r of rows.tcp.data.results) {
        add(
          '6',
          `TCP, 3 processes loopback, lmdb, ${r.clients} client(s)`,
          `${fmtCount(r.writesPerSec)} writes/s, ${lat(r.latencyMs)}${r.errors ? `; ${r.errors} errors` : ''}`,
        );
      }
  }
  if (!notOk('checker', '7')) {
    const d = rows.checker.data;
    if (d.skipped) add('7', 'checker', `SKIPPED: ${d.skipped}`);
    else
      for (const r of d.results) {
        const ok = `${r.single.matchedExpected}/${r.single.withExpected} verdicts as expected`;
        add(
          '7',
          `${r.label}, ${r.histories} histories`,
          `one thread ${fmtMs(r.singleThreadMs)}, pool(${r.poolThreads}) ${fmtMs(r.poolMs)}; ${ok}`,
          r.label.startsWith('Jepsen')
            ? `${fmtRatio((PUBLISHED.porcupineJepsenS * 1000) / Math.min(r.singleThreadMs, r.poolMs))} Porcupine speed (0.75 s)`
            : '',
        );
      }
  }
  if (!notOk('peers', '8')) {
    for (const p of rows.peers.data.peers) {
      if (p.skipped) {
        add('8', p.peer, `SKIPPED: ${p.skipped}`);
        continue;
      }
      for (const r of p.rows) {
        const extra = r.peerLost ? `, ${r.peerLost} lost` : '';
        add(
          '8',
          `${p.peer} ${p.version}, 3 nodes in-process, ${r.clients} client(s)`,
          `${fmtCount(r.peerPerSec)}/s (p50 ${fmtMs(r.peerLatencyMs.p50)}${extra}) vs raftkit ${fmtCount(r.raftkitPerSec)}/s`,
          `ratio ${fmtRatio(r.ratio)} (target <= 0.5)`,
        );
      }
    }
  }
  if (!notOk('sessions', '9')) {
    const d = rows.sessions.data;
    add(
      '9',
      `session wrapper per app command (${d.config.sessions} sessions, one thread)`,
      `direct ${d.nsPerCommand.direct.toFixed(0)} ns, with sessions ${d.nsPerCommand.wrapped.toFixed(0)} ns: +${d.overheadNsPerCommand.toFixed(0)} ns/command`,
      `${fmtRatio(d.ratio)} the direct apply`,
    );
  }
  if (!notOk('growth', '10')) {
    const d = rows.growth.data;
    const w = d.writesPerSec;
    const mb = (b) => `${(b / 1e6).toFixed(0)} MB`;
    add(
      '10',
      `${fmtCount(d.keys)} keys of 100 B loaded by ${d.clients} clients, 3 nodes LMDB: writes/s at ${fmtCount(w.earlyAt)} and ${fmtCount(w.lateAt)} keys (${fmtCount(d.window)}-write windows)`,
      `${fmtCount(w.early)}/s -> ${fmtCount(w.late)}/s (load ${d.loadS.toFixed(0)} s, slowest write ${fmtMs(d.maxLatencyMs)})`,
      `${fmtRatio(d.ratio)} (target >= 0.9x)`,
    );
    add(
      '10',
      `memory per replica at ${fmtCount(d.keys)} keys (process RSS growth / 3)`,
      `${mb(d.memory.perReplicaBytes)} for ${mb(d.memory.rawBytes)} of keys and values`,
      `${fmtRatio(d.memory.perReplicaVsRaw)} the raw bytes (target <= 3x)`,
    );
    add(
      '10',
      `restart of a follower at ${fmtCount(d.keys)} keys (kill, restart)`,
      `worker running after ${fmtMs(d.restart.startedMs)}, caught up after ${fmtMs(d.restart.caughtUpMs)}`,
      `${fmtRatio(d.restart.caughtUpMs / 3000)} the 3 s target`,
    );
  }
  return lines;
}

/** Plain-text table for the terminal. */
export function renderText(lines) {
  const w = [3, 0, 0];
  for (const l of lines) {
    w[1] = Math.max(w[1], l.config.length);
    w[2] = Math.max(w[2], l.result.length);
  }
  w[1] = Math.min(w[1], 62);
  w[2] = Math.min(w[2], 120);
  const out = [
    `${'row'.padEnd(w[0])}  ${'configuration'.padEnd(w[1])}  ${'result'.padEnd(w[2])}  vs baseline`,
  ];
  out.push('-'.repeat(out[0].length + 20));
  for (const l of lines)
    out.push(`${l.row.padEnd(w[0])}  ${l.config.padEnd(w[1])}  ${l.result.padEnd(w[2])}  ${l.baseline}`);
  return out.join('\n');
}

/** Markdown table. */
export function renderMarkdown(lines) {
  const cell = (s) => String(s).replace(/\|/g, '\\|');
  const out = ['| row | configuration | result | vs baseline |', '| --- | --- | --- | --- |'];
  for (const l of lines)
    out.push(`| ${l.row} | ${cell(l.config)} | ${cell(l.result)} | ${cell(l.baseline)} |`);
  return out.join('\n');
}
