import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  computeProof,
  decodeChallenge,
  decodeReject,
  encodeAuth,
  encodeFrame,
  encodeHello,
  FrameDecoder,
  FrameKind,
  PROTOCOL_VERSION,
  type RejectReason,
  type TcpTransport,
} from '../src/index.js';
import { capturingLogger, freePorts, makeTransport, rawSocket } from './support/cluster.js';
import { closedPromise, dialAs } from './support/dial.js';
import { waitFor } from './support/wait.js';

const open: TcpTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

/** n1 and n2 linked (n1 dials n2); n2 serves clients. Rejections are probed against n2. */
async function pair(override: Parameters<typeof makeTransport>[2] = {}) {
  const ports = await freePorts(2);
  const addresses = new Map([
    ['n1', { host: '127.0.0.1', port: ports[0] }],
    ['n2', { host: '127.0.0.1', port: ports[1] }],
  ]);
  const log = capturingLogger();
  const n1 = makeTransport('n1', addresses);
  const n2 = makeTransport('n2', addresses, { logger: log, ...override });
  open.push(n1, n2);
  n2.onClient((client) => client.attach({ request: (p) => client.respond(p) }));
  await Promise.all([n1.start(), n2.start()]);
  await waitFor(() => n1.isConnected('n2') && n2.isConnected('n1'));
  return { n1, n2, port: ports[1], log };
}

/** Read the REJECT frame a raw socket received (if any). */
function rejectIn(bytes: Buffer): RejectReason | null {
  const { frames } = new FrameDecoder(4096).push(bytes);
  const r = frames.find((f) => f.kind === FrameKind.Reject);
  return r ? decodeReject(r.payload).reason : null;
}

async function expectRejected(
  ctx: Awaited<ReturnType<typeof pair>>,
  reason: RejectReason,
  attempt: () => Promise<unknown>,
) {
  const before = ctx.n2.metrics.count('rejectedConnections', { reason });
  await attempt();
  await waitFor(() => ctx.n2.metrics.count('rejectedConnections', { reason }) === before + 1, {
    what: `${reason} counted`,
  });
  await waitFor(() =>
    ctx.log.lines.some((l) => l.message === 'connection rejected' && l.fields?.reason === reason),
  );
  // Only that connection was closed: the peer link is untouched.
  expect(ctx.n1.isConnected('n2')).toBe(true);
  expect(ctx.n2.metrics.count('linkClosed')).toBe(0);
}

describe('handshake', () => {
  it('authenticates a client with the shared secret', async () => {
    const ctx = await pair();
    const { result, error, conn } = await dialAs(ctx.port, { role: 'client', id: 'c1' });
    expect(error).toBeUndefined();
    expect(result).toEqual({ role: 'node', peerId: 'n2', udpPort: ctx.n2.udpPort });
    conn.destroy();
  });

  it('rejects a wrong secret on both sides (the dialer refuses the acceptor proof)', async () => {
    const ctx = await pair();
    await expectRejected(ctx, 'badAuth', async () => {
      const { error, conn } = await dialAs(ctx.port, { secret: 'a-different-secret-0123456789' });
      expect(error?.reason).toBe('badAuth');
      expect(error?.byPeer).toBe(false);
      await closedPromise(conn);
    });
  });

  it('rejects a forged AUTH proof (attacker without the secret)', async () => {
    const ctx = await pair();
    await expectRejected(ctx, 'badAuth', async () => {
      const raw = await rawSocket(ctx.port);
      const nonce = randomBytes(32);
      raw.socket.write(
        encodeFrame(
          FrameKind.Hello,
          encodeHello({ version: PROTOCOL_VERSION, clusterId: 'test', role: 'client', id: 'mallory', nonce }),
        ),
      );
      await waitFor(() => new FrameDecoder(4096).push(raw.received()).frames.length > 0);
      const challenge = decodeChallenge(new FrameDecoder(4096).push(raw.received()).frames[0].payload);
      // Proof computed with a guessed key.
      const guess = computeProof(randomBytes(32), 'dialer', {
        version: PROTOCOL_VERSION,
        clusterId: 'test',
        dialerRole: 'client',
        dialerId: 'mallory',
        acceptorId: 'n2',
        dialerNonce: nonce,
        acceptorNonce: challenge.nonce,
        channelBinding: new Uint8Array(0),
      });
      raw.socket.write(encodeFrame(FrameKind.Auth, encodeAuth({ proof: guess })));
      await raw.closed;
      expect(rejectIn(raw.received())).toBe('badAuth');
    });
  });

  it('rejects a wrong cluster id', async () => {
    const ctx = await pair();
    await expectRejected(ctx, 'wrongCluster', async () => {
      const { error } = await dialAs(ctx.port, { clusterId: 'another-cluster' });
      expect(error?.reason).toBe('wrongCluster');
      expect(error?.byPeer).toBe(true);
    });
  });

  it('rejects an unknown node id (and its own id)', async () => {
    const ctx = await pair();
    await expectRejected(ctx, 'unknownNode', async () => {
      const { error } = await dialAs(ctx.port, { role: 'node', id: 'n9' });
      expect(error?.reason).toBe('unknownNode');
    });
    await expectRejected(ctx, 'unknownNode', async () => {
      const { error } = await dialAs(ctx.port, { role: 'node', id: 'n2' });
      expect(error?.reason).toBe('unknownNode');
    });
  });

  it('rejects a protocol version mismatch', async () => {
    const ctx = await pair();
    await expectRejected(ctx, 'versionMismatch', async () => {
      const { error } = await dialAs(ctx.port, { version: PROTOCOL_VERSION + 1 });
      expect(error?.reason).toBe('versionMismatch');
      expect(error?.message).toMatch(/version/);
    });
  });

  it('rejects a node that dials against the tie-break (one connection per pair)', async () => {
    const ctx = await pair();
    // n1 < n2, so n1 dials n2; n2 dialing n1 is refused by n1.
    const before = ctx.n1.metrics.count('rejectedConnections', { reason: 'wrongDialer' });
    const { error } = await dialAs(ctx.n1.address.port, { role: 'node', id: 'n2' });
    expect(error?.reason).toBe('wrongDialer');
    await waitFor(
      () => ctx.n1.metrics.count('rejectedConnections', { reason: 'wrongDialer' }) === before + 1,
    );
  });

  it('refuses a dialer that reaches the wrong node', async () => {
    const ctx = await pair();
    const { error } = await dialAs(ctx.port, { expectedPeerId: 'n7' });
    expect(error?.reason).toBe('wrongPeer');
  });

  it('closes slow-loris connections at the handshake deadline', async () => {
    const ctx = await pair({ handshakeTimeoutMs: 300 });
    await expectRejected(ctx, 'handshakeTimeout', async () => {
      const raw = await rawSocket(ctx.port);
      raw.socket.write(Buffer.from([0, 0])); // half a header, then nothing
      const started = Date.now();
      await raw.closed;
      expect(Date.now() - started).toBeLessThan(3000);
      expect(rejectIn(raw.received())).toBe('handshakeTimeout');
    });
  });

  it('rejects an oversized frame before reading its body', async () => {
    const ctx = await pair();
    await expectRejected(ctx, 'oversizedFrame', async () => {
      const raw = await rawSocket(ctx.port);
      const header = Buffer.alloc(4);
      header.writeUInt32BE(50 * 1024 * 1024, 0);
      raw.socket.write(header); // announces 50 MiB and sends none of it
      await raw.closed;
      expect(rejectIn(raw.received())).toBe('oversizedFrame');
    });
  });

  it('rejects malformed and unexpected handshake frames', async () => {
    const ctx = await pair();
    await expectRejected(ctx, 'malformedFrame', async () => {
      const raw = await rawSocket(ctx.port);
      raw.socket.write(encodeFrame(FrameKind.Hello, Buffer.from([0, PROTOCOL_VERSION, 0xc1, 0xff, 0x00])));
      await raw.closed;
    });
    await expectRejected(ctx, 'unexpectedFrame', async () => {
      const raw = await rawSocket(ctx.port);
      raw.socket.write(encodeFrame(FrameKind.Raft, Buffer.from([1, 2, 3])));
      await raw.closed;
    });
  });

  it('refuses connections beyond the pending-handshake limit', async () => {
    const ctx = await pair({ maxPendingHandshakes: 2, handshakeTimeoutMs: 5000 });
    const a = await rawSocket(ctx.port);
    const b = await rawSocket(ctx.port);
    await expectRejected(ctx, 'tooManyPending', async () => {
      const c = await rawSocket(ctx.port);
      await c.closed;
    });
    a.socket.destroy();
    b.socket.destroy();
  });

  it('closes an established connection on a bad frame, counted per reason; the node keeps running', async () => {
    const ctx = await pair();
    // An authenticated client sends a Raft frame: unexpected on a client connection.
    const { conn, result } = await dialAs(ctx.port);
    expect(result).toBeDefined();
    conn.attach({ frame() {}, framingError() {}, closed() {} });
    conn.send(FrameKind.Raft, Uint8Array.from([1]), false);
    await closedPromise(conn);
    await waitFor(() => ctx.n2.metrics.count('rejectedFrames', { reason: 'unexpectedFrame' }) === 1);
    // Same for an oversized frame after the handshake (limit 16 MiB by default; announce more).
    const second = await dialAs(ctx.port);
    second.conn.attach({ frame() {}, framingError() {}, closed() {} });
    const header = Buffer.alloc(5);
    header.writeUInt32BE(17 * 1024 * 1024, 0);
    second.conn.socket.write(header);
    await closedPromise(second.conn);
    await waitFor(() => ctx.n2.metrics.count('rejectedFrames', { reason: 'oversizedFrame' }) === 1);
    // A well-behaved client still gets served.
    const good = await dialAs(ctx.port);
    const echoed = new Promise<Buffer>((resolve) =>
      good.conn.attach({ frame: (f) => resolve(f.payload), framingError() {}, closed() {} }),
    );
    good.conn.send(FrameKind.ClientRequest, Buffer.from('hi'), false);
    expect((await echoed).toString()).toBe('hi');
    good.conn.destroy();
    expect(ctx.n1.isConnected('n2')).toBe(true);
  });

  it('a peer link that fails Raft-frame validation is closed and counted, then re-established', async () => {
    const ports = await freePorts(2);
    const addresses = new Map([
      ['n1', { host: '127.0.0.1', port: ports[0] }],
      ['n2', { host: '127.0.0.1', port: ports[1] }],
    ]);
    const n1 = makeTransport('n1', addresses);
    const n2 = makeTransport('n2', addresses, {
      validateRaftFrame: (_from, frame) => {
        if (frame[0] !== 42) throw new Error('not a Raft message');
      },
    });
    open.push(n1, n2);
    const got: number[] = [];
    n2.onRaftFrame((_from, f) => got.push(f[0]));
    await Promise.all([n1.start(), n2.start()]);
    await waitFor(() => n1.isConnected('n2'));
    n1.send('n2', Uint8Array.from([42]));
    n1.send('n2', Uint8Array.from([7]));
    await waitFor(() => n2.metrics.count('rejectedFrames', { reason: 'malformedFrame' }) === 1);
    expect(got).toEqual([42]);
    await waitFor(() => n1.isConnected('n2') && n2.isConnected('n1'), { what: 'link back' });
    await waitFor(() => n1.send('n2', Uint8Array.from([42])) && got.length === 2);
  });
});
