import type { NodeStatusReport } from '../node/node-server.js';

type Row = { id: string; address: string; report: NodeStatusReport | null; error?: string };

function table(header: string[], rows: string[][]): string {
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
    ['NODE', 'ADDRESS', 'ROLE', 'TERM', 'LEADER', 'COMMIT', 'APPLIED', 'LAST', 'REJECTED(conn/frame)'],
    rows.map((r) => {
      const n = r.report?.node;
      if (!r.report) return [r.id, r.address, 'unreachable', '-', '-', '-', '-', '-', '-'];
      if (!n) return [r.id, r.address, 'stopped', '-', '-', '-', '-', '-', '-'];
      return [
        r.id,
        r.address,
        n.role,
        String(n.term),
        n.leader ?? '-',
        String(n.commitIndex),
        String(n.appliedIndex),
        String(n.lastIndex),
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
  return `${nodes}\n\n${links}\n${errors.length ? `\n${errors.join('\n')}\n` : ''}`;
}
