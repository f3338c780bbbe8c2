import { encodeKvRequest, type SplitBrainAlert } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../src/cli/args.js';
import { raftTuningFromFlags } from '../src/cli/raft-flags.js';
import { renderStatus } from '../src/cli/status-table.js';
import { NetMetrics } from '../src/metrics.js';
import type { NodeStatusReport } from '../src/node/node-server.js';
import { capturingLogger } from './support/cluster.js';
import { InProcessCluster } from './support/nodes.js';
import { waitFor } from './support/wait.js';

const divergence: SplitBrainAlert = {
  kind: 'divergence',
  severity: 'safety',
  at: Date.parse('2024-01-01T00:00:00Z'),
  nodes: ['n2'],
  term: null,
  index: 40,
  duration: null,
  message: 'node n2: state hash differs at checkpoint 40',
};

describe('alerts in metrics and `raftkit status`', () => {
  it('counts alerts by kind and severity in prom-client', async () => {
    const m = new NetMetrics();
    m.alertRaised('divergence', 'safety');
    m.alertRaised('divergence', 'safety');
    m.alertRaised('staleLeader', 'warning');
    expect(m.count('alerts', { kind: 'divergence', severity: 'safety' })).toBe(2);
    expect(m.count('alerts')).toBe(3);
    const text = await m.metrics();
    expect(text).toContain('raftkit_alerts_total{kind="divergence",severity="safety"} 2');
    expect(text).toContain('raftkit_alerts_total{kind="staleLeader",severity="warning"} 1');
  });

  it('renders an ALERTS section and each node verification / quarantine state (fake status)', () => {
    const node = (id: string, extra: Record<string, unknown>) =>
      ({
        id,
        role: 'follower',
        term: 3,
        leader: 'n1',
        commitIndex: 40,
        appliedIndex: 40,
        lastIndex: 40,
        priority: 0,
        timeouts: { mode: 'adaptive', electionTicks: 7, heartbeatTicks: 1 },
        checkpoints: { interval: 20, self: 'ok', peers: [] },
        quarantine: null,
        ...extra,
      }) as unknown as NodeStatusReport['node'];
    const report = (
      id: string,
      n: NodeStatusReport['node'],
      alerts: SplitBrainAlert[],
    ): NodeStatusReport => ({
      id,
      address: `127.0.0.1:${id.slice(1)}000`,
      node: n,
      peers: [],
      alerts,
      net: { rejectedConnections: 0, rejectedFrames: 0, rejectedProbes: 0, droppedFrames: 0, clients: 0 },
    });
    const out = renderStatus([
      {
        id: 'n1',
        address: '127.0.0.1:1000',
        report: report(
          'n1',
          node('n1', {
            role: 'leader',
            priority: 2,
            checkpoints: {
              interval: 20,
              self: 'ok',
              peers: [
                { id: 'n2', state: 'diverged' },
                { id: 'n3', state: 'unverified' },
              ],
            },
          }),
          [divergence],
        ),
      },
      {
        id: 'n2',
        address: '127.0.0.1:2000',
        report: report(
          'n2',
          node('n2', {
            checkpoints: { interval: 20, self: 'diverged', peers: [] },
            quarantine: { kind: 'diverged', reason: 'hash mismatch at 40', sinceTick: 9, divergence: null },
          }),
          [divergence], // the same alert seen by two nodes is listed once
        ),
      },
    ]);
    expect(out).toContain('VERIFIED');
    expect(out).toMatch(/n1 .*leader.*ok \[n2:diverged,n3:unverified\].*no .*adaptive 7\/1 +2/);
    expect(out).toMatch(/n2 .*diverged: hash mismatch at 40/);
    expect(out).toContain('ALERTS (1)');
    expect(out).toMatch(/divergence +safety +n2 +- +40 +node n2: state hash differs/);
    expect(renderStatus([])).toContain('ALERTS: none');
  });

  it('node flags: --checkpoint-interval, --timeouts, --priority', () => {
    const args = parseCommandLine([
      'node',
      '--checkpoint-interval',
      '50',
      '--timeouts',
      'adaptive',
      '--priority',
      '3',
    ]);
    expect(args.flags.priority).toBe('3');
    expect(raftTuningFromFlags(args)).toEqual({ checkpointInterval: 50, timeouts: 'adaptive' });
    expect(() => raftTuningFromFlags(parseCommandLine(['node', '--timeouts', 'fast']))).toThrow(UsageError);
  });
});

describe('a corrupted node across processes (in-process TCP nodes)', () => {
  let cluster: InProcessCluster | null = null;
  afterEach(async () => {
    await cluster?.close();
    cluster = null;
  });

  it('the leader raises a divergence alert: counted, logged as a JSON-able line, shown in status', async () => {
    const logger = capturingLogger();
    cluster = await InProcessCluster.start(3, {
      dataDir: 'memory',
      checkpointInterval: 5,
      timeouts: 'adaptive',
      priority: 1,
      logger,
    });
    const leaderId = await cluster.leader();
    const leader = cluster.nodes.get(leaderId)!;
    const victimId = cluster.ids.find((id) => id !== leaderId)!;
    const victim = cluster.nodes.get(victimId)!;
    await leader.actor.propose(encodeKvRequest({ cmd: { op: 'put', key: 'k', value: 'v' } }));
    await waitFor(async () => (await victim.actor.read('k', 'stale')).value === 'v', { timeoutMs: 5000 });
    const st = (await leader.status()).node!;
    expect(st.timeouts.mode).toBe('adaptive');
    expect(st.priority).toBe(1);
    expect(st.checkpoints.interval).toBe(5);

    await victim.actor.injectCorruption('k');
    // More entries: the next checkpoint exposes the corruption.
    for (let i = 0; i < 6; i++) {
      await leader.actor.propose(encodeKvRequest({ cmd: { op: 'put', key: `w${i}`, value: 'x' } }));
    }
    await waitFor(() => leader.metrics.count('alerts', { kind: 'divergence', severity: 'safety' }) > 0, {
      timeoutMs: 10_000,
    });
    const line = logger.lines.find((l) => l.message === 'divergence alert');
    expect(line?.level).toBe('error');
    expect(line?.fields?.nodes).toEqual([victimId]);
    expect(JSON.parse(JSON.stringify(line?.fields)).kind).toBe('divergence');
    const report = await leader.status();
    expect(report.alerts.some((a) => a.kind === 'divergence' && a.nodes.includes(victimId))).toBe(true);
    const text = renderStatus([{ id: leaderId, address: report.address, report }]);
    expect(text).toContain(`${victimId}:diverged`);
    expect(text).toContain('ALERTS (');
  });
});
