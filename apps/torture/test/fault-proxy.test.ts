import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, encodeHello, FrameDecoder, FrameKind } from '@raftkit/net';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy, LinkFaults, type ProxyCounters } from '../src/index.js';

/** A framed endpoint: collects the payloads (as strings) of the frames it receives. */
function framed(socket: Socket) {
  const decoder = new FrameDecoder(1 << 20);
  const got: string[] = [];
  socket.on('data', (c) => {
    for (const f of decoder.push(c).frames) if (f.kind !== FrameKind.Hello) got.push(f.payload.toString());
  });
  return {
    got,
    send: (text: string, kind: FrameKind = FrameKind.Raft) =>
      socket.write(encodeFrame(kind, Buffer.from(text))),
  };
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('FaultProxy', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  /** Node "a" dials node "b" through the proxy and says HELLO as `role`. */
  async function link(faults: LinkFaults, role: 'node' | 'client' = 'node') {
    let accepted!: (s: Socket) => void;
    const serverSide = new Promise<Socket>((r) => {
      accepted = r;
    });
    const server: Server = createServer((s) => accepted(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const counters: ProxyCounters = { forwarded: 0, cut: 0, dropped: 0, delayed: 0, connections: 0 };
    const proxy = new FaultProxy(
      'b',
      (server.address() as { port: number }).port,
      faults,
      counters,
      Math.random,
    );
    const port = await proxy.listen();
    const dialer = connect({ host: '127.0.0.1', port });
    cleanup.push(
      () => dialer.destroy(),
      () => proxy.close(),
      () => new Promise((r) => server.close(r)),
    );
    const hello = encodeHello({ version: 1, clusterId: 'c', role, id: 'a', nonce: randomBytes(32) });
    dialer.write(encodeFrame(FrameKind.Hello, hello));
    const b = framed(await serverSide);
    return { a: framed(dialer), b, counters };
  }

  it('cuts one direction of a live connection while the other keeps flowing, and heals', async () => {
    const faults = new LinkFaults();
    const { a, b, counters } = await link(faults);
    a.send('a1');
    b.send('b1');
    await until(() => b.got.includes('a1') && a.got.includes('b1'), 'both directions');

    faults.cut('a', 'b');
    a.send('a2');
    b.send('b2');
    await until(() => a.got.includes('b2'), 'b -> a during the one-way cut');
    await until(() => counters.cut === 1, 'a -> b frame discarded');
    expect(b.got).toEqual(['a1']);

    faults.heal();
    faults.cut('b', 'a');
    a.send('a3');
    b.send('b3');
    await until(() => b.got.includes('a3') && counters.cut === 2, 'a -> b flows, b -> a cut');
    expect(a.got).toEqual(['b1', 'b2']);

    faults.heal();
    b.send('b4');
    await until(() => a.got.includes('b4'), 'healed');
  });

  it('delays frames in order and drops Raft frames at the configured rate', async () => {
    const faults = new LinkFaults();
    const { a, b, counters } = await link(faults);
    faults.degrade('a', 'b', 150, 0);
    const sent = performance.now();
    for (let i = 0; i < 5; i++) a.send(`d${i}`);
    await until(() => b.got.length === 5, 'delayed frames');
    expect(performance.now() - sent).toBeGreaterThanOrEqual(140);
    expect(b.got).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);
    faults.degrade('a', 'b', 0, 1);
    a.send('lost', FrameKind.Raft);
    a.send('ping', FrameKind.Ping);
    await until(() => b.got.includes('ping'), 'the non-Raft frame');
    expect(b.got).not.toContain('lost');
    expect(counters.dropped).toBe(1);
  });

  it('lets client connections through untouched', async () => {
    const faults = new LinkFaults();
    faults.cut('a', 'b');
    faults.cut('b', 'a');
    const { a, b } = await link(faults, 'client');
    a.send('request', FrameKind.ClientRequest);
    b.send('response', FrameKind.ClientResponse);
    await until(() => b.got.includes('request') && a.got.includes('response'), 'client traffic');
  });
});
