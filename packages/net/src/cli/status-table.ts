import type { NodeStatusReport } from '../node/node-server.js';

type Row = { id: string; address: string; report: NodeStatusReport | null; error?: string };

/** Columns padded to their widest cell, two spaces apart. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const ms = (v: number | undefined | null) => (v === undefined || v === null ? '-' : `${v.toFixed(2)}ms`);

/** The `raftkit status` tables: one row per node, then one row per directed link. */
export function renderStatus(rows: readonly Row[]): string {
  const nodes = table(
    [
      'NODE',
      'ADDRESS',
      'ROLE',
      'TERM',
      'LEADER',
      'COMMIT',
      'APPLIED',
      'LAST',
      'VERIFIED',
      'QUARANTINE',
      'TIMEOUT(el/hb)',
      'PRIO',
      'REJECTED(conn/frame)',
    ],
    rows.map((r) => {
      const n = r.report?.node;
      const none = ['-', '-', '-', '-', '-', '-', '-', '-', '-', '-'];
      if (!r.report) return [r.id, r.address, 'unreachable', ...none];
      if (!n) return [r.id, r.address, 'stopped', ...none];
      return [
        r.id,
        r.address,
        // A node whose state machine threw (and halted it) says so instead of its frozen role.
        n.failed ? `failed at ${n.failed.index}: ${n.failed.message}` : n.role,
        String(n.term),
        n.leader ?? '-',
        String(n.commitIndex),
        String(n.appliedIndex),
        String(n.lastIndex),
        verified(n),
        n.quarantine ? `${n.quarantine.kind}: ${n.quarantine.reason}` : 'no',
        n.timeouts ? `${n.timeouts.mode} ${n.timeouts.electionTicks}/${n.timeouts.heartbeatTicks}` : '-',
        String(n.priority ?? 0),
        `${r.report.net.rejectedConnections}/${r.report.net.rejectedFrames}`,
      ];
    }),
  );
  const links = table(
    [
      'FROM',
      'TO',
      'HEALTH',
      'TCP',
      'TCP_RTT',
      'UDP_RTT',
      'RTT_DEV(tcp/udp)',
      'PROBES(acked/sent)',
      'DROPPED',
    ],
    rows.flatMap((r) =>
      (r.report?.peers ?? []).map((p) => [
        r.id,
        p.id,
        p.health,
        p.connected ? 'up' : 'down',
        ms(p.tcp.rtt?.mean),
        ms(p.udp?.rtt?.mean),
        `${ms(p.tcp.rtt?.deviation)}/${ms(p.udp?.rtt?.deviation)}`,
        p.probes ? `${p.probes.acked}/${p.probes.sent}` : '-',
        String(p.droppedFrames),
      ]),
    ),
  );
  const errors = rows.filter((r) => r.error).map((r) => `${r.id} (${r.address}): ${r.error}`);
  return `${nodes}\n\n${links}\n\n${renderAlerts(rows)}${errors.length ? `\n${errors.join('\n')}\n` : ''}`;
}

/** Own checkpoint state against quorum-confirmed hashes; a leader adds each peer's (never `ok` when unknown). */
function verified(n: NonNullable<NodeStatusReport['node']>): string {
  const cp = n.checkpoints;
  if (!cp) return '-';
  if (cp.interval === 0) return 'off';
  const peers = cp.peers.map((p) => `${p.id}:${p.state}`).join(',');
  return peers ? `${cp.self} [${peers}]` : cp.self;
}

/** The ALERTS section: every node's recent alerts, merged and deduplicated, oldest first. */
export function renderAlerts(rows: readonly Row[]): string {
  const seen = new Set<string>();
  const alerts = rows
    .flatMap((r) => r.report?.alerts ?? [])
    .filter((a) => {
      const key = `${a.kind}|${a.at}|${a.nodes.join(',')}|${a.index}|${a.term}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.at - b.at);
  if (alerts.length === 0) return 'ALERTS: none\n';
  const body = table(
    ['TIME', 'KIND', 'SEVERITY', 'NODES', 'TERM', 'INDEX', 'MESSAGE'],
    alerts.map((a) => [
      new Date(a.at).toISOString(),
      a.kind,
      a.severity,
      a.nodes.join(','),
      a.term === null ? '-' : String(a.term),
      a.index === null ? '-' : String(a.index),
      a.message,
    ]),
  );
  return `ALERTS (${alerts.length})\n${body}\n`;
}
