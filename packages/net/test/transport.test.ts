import { afterEach, describe, expect, it } from 'vitest';
import {
  acceptHandshake,
  ClusterSecret,
  FramedConnection,
  HANDSHAKE_MAX_FRAME_BYTES,
  type TcpTransport,
} from '../src/index.js';
import { capturingLogger, freePorts, makeTransport, SECRET, startTransports } from './support/cluster.js';
import { waitFor } from './support/wait.js';

const open: TcpTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function trio() {
  const { transports, addresses } = await startTransports(['n1', 'n2', 'n3']);
  open.push(...transports.values());
  const inbox = new Map<string, { from: string; frame: Uint8Array }[]>();
  for (const [id, t] of transports) {
    inbox.set(id, []);
    t.onRaftFrame((from, frame) => inbox.get(id)!.push({ from, frame }));
  }
  const allLinked = () => [...transports.values()].every((t) => t.peerIds.every((p) => t.isConnected(p)));
  await waitFor(allLinked, { what: 'all links up' });
  return { transports, addresses, inbox };
}

describe('TcpTransport', () => {
  it('links every pair once (lower id dials) and moves Raft frames both ways', async () => {
    const { transports, inbox } = await trio();
    const n1 = transports.get('n1')!;
    const n3 = transports.get('n3')!;
    expect(n1.send('n3', Uint8Array.from([1, 2, 3]))).toBe(true);
    expect(n3.send('n1', Uint8Array.from([4]))).toBe(true);
    expect(n3.send('n2', Uint8Array.from([5]))).toBe(true);
    await waitFor(
      () => inbox.get('n3')!.length === 1 && inbox.get('n1')!.length === 1 && inbox.get('n2')!.length === 1,
    );
    expect(inbox.get('n3')![0]).toEqual({ from: 'n1', frame: Uint8Array.from([1, 2, 3]) });
    expect(inbox.get('n1')![0]).toEqual({ from: 'n3', frame: Uint8Array.from([4]) });
    expect(inbox.get('n2')![0]).toEqual({ from: 'n3', frame: Uint8Array.from([5]) });
    // One connection per pair: each node established exactly one link per peer, as dialer or acceptor.
    expect(n1.metrics.count('established')).toBe(2);
    expect(transports.get('n2')!.metrics.count('established')).toBe(2);
    expect(n3.metrics.count('established')).toBe(2);
    // Unknown destination: refused, not thrown.
    expect(n1.send('nobody', Uint8Array.from([1]))).toBe(false);
  });

  it('keeps order and integrity for many frames of mixed sizes', async () => {
    const { transports, inbox } = await trio();
    const frames = Array.from({ length: 500 }, (_, i) => {
      const f = new Uint8Array(1 + ((i * 7919) % 70_000));
      f.fill(i % 251);
      f[0] = i % 256;
      return f;
    });
    for (const f of frames) transports.get('n2')!.send('n1', f);
    await waitFor(() => inbox.get('n1')!.length === frames.length, { timeoutMs: 20_000 });
    const got = inbox.get('n1')!.map((m) => m.frame);
    // Buffer.equals, not toEqual: deep-equality over 17 MB element by element takes minutes.
    const mismatches = got.filter((f, i) => !Buffer.from(f).equals(frames[i]));
    expect(mismatches).toHaveLength(0);
  });

  it('reports both channels healthy with RTTs, and the peer down after it stops', async () => {
    const { transports } = await trio();
    const n1 = transports.get('n1')!;
    const healthy = await waitFor(
      () => {
        const peers = n1.peers();
        return peers.every((p) => p.health === 'healthy' && p.tcp.rtt && p.udp?.rtt) ? peers : null;
      },
      { what: 'both channels healthy' },
    );
    for (const p of healthy) {
      expect(p.tcp.rtt!.mean).toBeGreaterThanOrEqual(0);
      expect(p.tcp.rtt!.mean).toBeLessThan(500);
      expect(p.udp!.rtt!.mean).toBeLessThan(500);
      expect(p.probes!.acked).toBeGreaterThan(0);
    }
    await transports.get('n3')!.close();
    await waitFor(() => n1.peers().find((p) => p.id === 'n3')!.health === 'down', { what: 'n3 down' });
    await waitFor(() => n1.peers().find((p) => p.id === 'n2')!.health === 'healthy', {
      what: 'n2 still healthy',
    });
    const text = await n1.metrics.metrics();
    expect(text).toMatch(/raftkit_peer_health\{peer="n3"\} 0/);
    expect(text).toMatch(/raftkit_peer_health\{peer="n2"\} 2/);
    expect(text).toMatch(/raftkit_peer_rtt_ms\{peer="n2",channel="udp"\} \d/);
  });

  it('is suspect (not healthy) when only the UDP channel is cut', async () => {
    const ports = await freePorts(3);
    const addresses = new Map([
      ['n1', { host: '127.0.0.1', port: ports[0] }],
      ['n2', { host: '127.0.0.1', port: ports[1] }],
    ]);
    // n2 announces no UDP port and probes nothing: its UDP channel is absent, n1's probes go unanswered.
    const n1 = makeTransport('n1', addresses);
    const n2 = makeTransport('n2', addresses, { udp: false });
    open.push(n1, n2);
    await Promise.all([n1.start(), n2.start()]);
    await waitFor(() => n1.isConnected('n2'));
    const view = await waitFor(() => {
      const p = n1.peers()[0];
      return p.tcp.state === 'fresh' && p.probes && p.probes.sent > 5 ? p : null;
    });
    expect(view.health).toBe('suspect');
    expect(view.udp?.state).toBe('dead');
    // n2 has no UDP channel: TCP alone makes n1 healthy from n2's side.
    await waitFor(() => n2.peers()[0].health === 'healthy');
  });

  it('reconnects with backoff after a link drops and after the peer restarts', async () => {
    const { transports, addresses, inbox } = await trio();
    const n1 = transports.get('n1')!;
    n1.disconnect('n2');
    expect(n1.isConnected('n2')).toBe(false);
    await waitFor(() => n1.isConnected('n2') && transports.get('n2')!.isConnected('n1'), { what: 'relink' });
    // Restart n1 (the dialer of both its links) on the same port.
    await n1.close();
    const again = makeTransport('n1', addresses);
    open.push(again);
    const got: string[] = [];
    again.onRaftFrame((from) => got.push(from));
    await again.start();
    await waitFor(() => again.isConnected('n2') && again.isConnected('n3'), { what: 'restarted n1 linked' });
    // n3 (acceptor for n1) must have replaced any stale connection with the new one.
    await waitFor(() => transports.get('n3')!.send('n1', Uint8Array.from([9])) && got.includes('n3'));
    // Restart n3 (pure acceptor): n1 and n2 redial it.
    await transports.get('n3')!.close();
    const n3 = makeTransport('n3', addresses);
    open.push(n3);
    await n3.start();
    await waitFor(() => n3.isConnected('n1') && n3.isConnected('n2'), { what: 'n3 redialed' });
    expect(inbox.get('n2')).toBeDefined();
  });

  it('drops the oldest Raft frames (counted) when a peer does not read, with bounded memory', async () => {
    const [port, myPort] = await freePorts(2);
    // A fake n2 that completes the handshake and then never reads.
    const { createServer } = await import('node:net');
    const secret = ClusterSecret.from(SECRET);
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      const conn = new FramedConnection(
        socket,
        { maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES },
        { frame() {}, framingError() {}, closed() {} },
      );
      acceptHandshake(conn, {
        secret,
        clusterId: 'test',
        selfId: 'n2',
        timeoutMs: 1000,
        isKnownNode: (id) => id === 'n1',
        weDial: () => false,
      }).then(
        () => socket.pause(),
        () => {},
      );
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    try {
      const n1 = makeTransport(
        'n1',
        new Map([
          ['n1', { host: '127.0.0.1', port: myPort }],
          ['n2', { host: '127.0.0.1', port }],
        ]),
        { sendQueue: { maxFrames: 64, maxBytes: 1024 * 1024 }, idleTimeoutMs: 60_000, udp: false },
      );
      open.push(n1);
      await n1.start();
      await waitFor(() => n1.isConnected('n2'));
      const frame = new Uint8Array(64 * 1024);
      const before = process.memoryUsage().arrayBuffers;
      for (let round = 0; round < 40; round++) {
        for (let i = 0; i < 50; i++) n1.send('n2', frame);
        await new Promise((r) => setImmediate(r));
      }
      const dropped = n1.metrics.count('droppedFrames', { peer: 'n2', cause: 'queueFull' });
      // 2000 frames of 64 KiB = 125 MiB offered; the socket buffers some, the queue holds <= 1 MiB.
      expect(dropped).toBeGreaterThan(1000);
      expect(n1.peers()[0].droppedFrames).toBe(dropped);
      expect(n1.peers()[0].queuedFrames).toBeLessThanOrEqual(64);
      // The queue's own accounting is the exact bound; the process-wide figure also counts garbage
      // V8 has not collected yet, so it gets a loose bound (125 MiB were offered).
      expect(n1.peers()[0].queuedBytes).toBeLessThanOrEqual(1024 * 1024 + frame.byteLength + 64);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100 * 1024 * 1024);
      expect(n1.isConnected('n2')).toBe(true); // control frames still fit: the link is not torn down
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('logs link events through the given logger', async () => {
    const ports = await freePorts(2);
    const addresses = new Map([
      ['a', { host: '127.0.0.1', port: ports[0] }],
      ['b', { host: '127.0.0.1', port: ports[1] }],
    ]);
    const log = capturingLogger();
    const a = makeTransport('a', addresses, { logger: log });
    const b = makeTransport('b', addresses);
    open.push(a, b);
    await Promise.all([a.start(), b.start()]);
    await waitFor(() => log.lines.some((l) => l.message === 'link up' && l.fields?.peer === 'b'));
  });
});
