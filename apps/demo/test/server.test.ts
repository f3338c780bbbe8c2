import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { sampleMachine } from '../../../packages/net/test/fixtures/sample-machine.js';
import { ControlError, ControlService, parseControl } from '../src/control.js';
import { graphToSvg, machineToGraph } from '../src/diagram.js';
import { DemoHub } from '../src/hub.js';
import type { DemoSnapshot, NodeView, TransitionView } from '../src/model.js';
import { type DemoServer, startDemoServer } from '../src/server.js';
import { FakeCluster } from './fake-cluster.js';
import { SseClient } from './helpers/sse-client.js';
import { waitFor } from './helpers/wait-for.js';

const IDS = ['n1', 'n2', 'n3', 'n4', 'n5'];
const graph = machineToGraph(sampleMachine as unknown as AnyStateMachine);

describe('parseControl', () => {
  const code = (body: unknown) => {
    try {
      parseControl(body, IDS);
    } catch (err) {
      expect(err).toBeInstanceOf(ControlError);
      return (err as ControlError).code;
    }
    return 'accepted';
  };

  it('accepts every action in its valid form', () => {
    expect(parseControl({ action: 'isolate', node: 'n2' }, IDS)).toEqual({ action: 'isolate', node: 'n2' });
    expect(parseControl({ action: 'isolateLeader' }, IDS)).toEqual({ action: 'isolateLeader' });
    expect(parseControl({ action: 'heal' }, IDS)).toEqual({ action: 'heal' });
    expect(parseControl({ action: 'kill', node: 'n5' }, IDS)).toEqual({ action: 'kill', node: 'n5' });
    expect(parseControl({ action: 'restart', node: 'n5' }, IDS)).toEqual({ action: 'restart', node: 'n5' });
    expect(parseControl({ action: 'transferLeadership', to: 'n3' }, IDS)).toEqual({
      action: 'transferLeadership',
      to: 'n3',
    });
    expect(parseControl({ action: 'delay', ms: 50 }, IDS)).toEqual({ action: 'delay', ms: 50 });
    // unlisted nodes form the last group
    expect(parseControl({ action: 'partition', groups: [['n1', 'n2']] }, IDS)).toEqual({
      action: 'partition',
      groups: [
        ['n1', 'n2'],
        ['n3', 'n4', 'n5'],
      ],
    });
  });

  it('refuses bad input with typed codes', () => {
    expect(code(null)).toBe('badRequest');
    expect(code([])).toBe('badRequest');
    expect(code({})).toBe('badRequest');
    expect(code({ action: 'explode' })).toBe('unknownAction');
    expect(code({ action: 'isolate' })).toBe('badRequest');
    expect(code({ action: 'isolate', node: 42 })).toBe('badRequest');
    expect(code({ action: 'kill', node: 'n9' })).toBe('unknownNode');
    expect(code({ action: 'transferLeadership', to: 'zz' })).toBe('unknownNode');
    expect(code({ action: 'delay', ms: -1 })).toBe('badRequest');
    expect(code({ action: 'delay', ms: 1.5 })).toBe('badRequest');
    expect(code({ action: 'delay', ms: 999_999 })).toBe('badRequest');
    expect(code({ action: 'partition', groups: 'n1' })).toBe('invalidGroups');
    expect(code({ action: 'partition', groups: [[]] })).toBe('invalidGroups');
    expect(code({ action: 'partition', groups: [IDS] })).toBe('invalidGroups');
    expect(code({ action: 'partition', groups: [['n1'], ['n1', 'n2']] })).toBe('invalidGroups');
    expect(code({ action: 'partition', groups: [['n1', 'n7']] })).toBe('unknownNode');
  });
});

describe('the demo server', () => {
  let hub: DemoHub;
  let cluster: FakeCluster;
  let server: DemoServer;
  const clients: SseClient[] = [];

  beforeEach(async () => {
    hub = new DemoHub({ nodeIds: IDS });
    cluster = new FakeCluster(hub, 20);
    server = await startDemoServer({
      hub,
      control: new ControlService(cluster, hub),
      graph,
      statechartSvg: graphToSvg(graph),
      port: 0,
      statusFlushMs: 20,
    });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    cluster.close();
    await server.close();
  });

  const connect = async () => {
    const c = await SseClient.connect(`${server.url}/api/events`);
    clients.push(c);
    return c;
  };
  const post = async (body: unknown, contentType = 'application/json') => {
    const res = await fetch(`${server.url}/api/control`, {
      method: 'POST',
      headers: { 'Content-Type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as { ok: boolean; message?: string; error?: { code: string } },
    };
  };

  it('serves the page, its assets, the statechart and the graph', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('/app.js');
    for (const asset of ['/app.js', '/timeline.js', '/style.css', '/favicon.svg']) {
      expect((await fetch(server.url + asset)).status, asset).toBe(200);
    }
    const svg = await fetch(`${server.url}/statechart.svg`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toContain('data-state="leader"');
    const g = await (await fetch(`${server.url}/api/graph`)).json();
    expect(g.states.map((s: { id: string }) => s.id)).toEqual([
      'follower',
      'preCandidate',
      'candidate',
      'leader',
    ]);
    expect((await fetch(`${server.url}/../../package.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('streams a snapshot, then live transitions and coalesced statuses', async () => {
    const c = await connect();
    expect(c.status).toBe(200);
    expect(c.contentType).toContain('text/event-stream');
    await waitFor(() => c.of('snapshot').length === 1, { timeoutMs: 2000, what: 'the snapshot' });
    const snap = c.of<DemoSnapshot>('snapshot')[0];
    expect(snap.nodes.map((n) => n.id)).toEqual(IDS);
    expect(snap.serverId).toBe(hub.serverId);
    await waitFor(() => c.of<TransitionView>('transition').some((t) => t.to === 'leader'), {
      timeoutMs: 3000,
      what: 'a leader transition',
    });
    await waitFor(() => c.of<NodeView>('status').some((n) => n.role === 'leader'), {
      timeoutMs: 3000,
      what: 'a leader status',
    });
    hub.narrate('step', 'hello from the scenario');
    await waitFor(
      () => c.of<{ text: string }>('narration').some((n) => n.text === 'hello from the scenario'),
      {
        timeoutMs: 2000,
      },
    );
    expect(server.clientCount()).toBe(1);
  });

  it('acts on the cluster through POST /api/control and pushes the fault change', async () => {
    const c = await connect();
    await waitFor(() => cluster.currentLeader(), { timeoutMs: 3000, what: 'a leader' });
    const leader = cluster.currentLeader()!;
    const r = await post({ action: 'isolateLeader' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, action: 'isolateLeader', message: `isolated ${leader}` });
    expect(cluster.calls).toContain(`isolate ${leader}`);
    await waitFor(() => c.of<{ isolated: string[] }>('faults').some((f) => f.isolated.includes(leader)), {
      timeoutMs: 2000,
    });
    await waitFor(() => cluster.currentLeader() && cluster.currentLeader() !== leader, {
      timeoutMs: 3000,
      what: 'a new leader',
    });
    expect(hub.node(leader)!.health).toBe('isolated');
    expect((await post({ action: 'heal' })).status).toBe(200);
    expect(hub.getFaults()).toMatchObject({ partition: null, isolated: [] });

    expect((await post({ action: 'kill', node: 'n4' })).status).toBe(200);
    expect(hub.node('n4')!).toMatchObject({ running: false, health: 'down', role: null });
    await waitFor(() => c.of<{ node: string; kind: string }>('lifecycle').some((l) => l.node === 'n4'), {
      timeoutMs: 2000,
    });
    expect((await post({ action: 'restart', node: 'n4' })).status).toBe(200);
    expect(hub.isRunning('n4')).toBe(true);

    expect((await post({ action: 'partition', groups: [['n1', 'n2']] })).body.ok).toBe(true);
    expect(cluster.calls).toContain('partition [["n1","n2"],["n3","n4","n5"]]');
    expect((await post({ action: 'delay', ms: 100 })).body.ok).toBe(true);
    expect(hub.getFaults().delayMs).toBe(100);
  });

  it('returns typed errors for bad requests and leaves the cluster alone', async () => {
    await waitFor(() => cluster.currentLeader(), { timeoutMs: 3000, what: 'a leader' });
    const before = cluster.calls.length;
    const cases: [unknown, number, string][] = [
      [{ action: 'explode' }, 400, 'unknownAction'],
      [{ action: 'kill', node: 'n42' }, 404, 'unknownNode'],
      [{ action: 'isolate' }, 400, 'badRequest'],
      [{ action: 'partition', groups: [[]] }, 400, 'invalidGroups'],
      ['{not json', 400, 'badRequest'],
      [{ action: 'restart', node: 'n1' }, 409, 'conflict'],
      [{ action: 'transferLeadership', to: cluster.currentLeader() }, 409, 'conflict'],
    ];
    for (const [body, status, errCode] of cases) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.ok).toBe(false);
      expect(r.body.error?.code).toBe(errCode);
    }
    expect((await post({ action: 'heal' }, 'text/plain')).status).toBe(400);
    const get = await fetch(`${server.url}/api/control`);
    expect(get.status).toBe(405);
    expect(cluster.calls.length).toBe(before);
  });

  it('ends the event streams when it closes, and a restarted server sends a new snapshot', async () => {
    const c = await connect();
    await waitFor(() => c.of('snapshot').length === 1, { timeoutMs: 2000 });
    await server.close();
    await c.ended();
    // A new server (new hub, new id) on a fresh port: a client reconnecting gets its snapshot.
    const hub2 = new DemoHub({ nodeIds: IDS });
    server = await startDemoServer({
      hub: hub2,
      control: new ControlService(cluster, hub2),
      graph,
      statechartSvg: '<svg/>',
      port: 0,
    });
    const c2 = await connect();
    await waitFor(() => c2.of('snapshot').length === 1, { timeoutMs: 2000 });
    expect(c2.of<DemoSnapshot>('snapshot')[0].serverId).not.toBe(hub.serverId);
  });

  it('falls back to a free port when the requested one is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as AddressInfo).port;
    const s2 = await startDemoServer({
      hub,
      control: new ControlService(cluster, hub),
      graph,
      statechartSvg: '',
      port: taken,
    });
    try {
      expect(s2.port).not.toBe(taken);
      expect((await fetch(`${s2.url}/api/state`)).status).toBe(200);
      await expect(
        startDemoServer({
          hub,
          control: new ControlService(cluster, hub),
          graph,
          statechartSvg: '',
          port: taken,
          fallbackToFreePort: false,
        }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await s2.close();
      await new Promise((r) => blocker.close(r));
    }
  });
});
