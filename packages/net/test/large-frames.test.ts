import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, type Frame, FramedConnection, FrameKind, type TcpTransport } from '../src/index.js';
import { capturingLogger, startTransports } from './support/cluster.js';
import { waitFor } from './support/wait.js';

const open: TcpTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

/** A connected pair of sockets on loopback. */
async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const client = connect({ host: '127.0.0.1', port });
  const other = await accepted;
  server.close();
  return [client, other];
}

describe('frames above the handshake limit (deployment review, finding 5)', () => {
  it('a frame in the same chunk as the last handshake frame is read under the limit its new owner sets', async () => {
    const [a, b] = await socketPair();
    const got: Frame[] = [];
    const errors: string[] = [];
    const conn = new FramedConnection(
      b,
      { maxFrameBytes: 4096 },
      { frame() {}, framingError() {}, closed() {} },
    );
    conn.attach({
      // The handshake's last frame: the handshake hands the connection over.
      frame: (f) => {
        got.push(f);
        conn.detach();
      },
      framingError: (e) => errors.push(e.message),
      closed() {},
    });
    const big = Buffer.alloc(100_000, 7);
    a.write(Buffer.concat([encodeFrame(FrameKind.Welcome), encodeFrame(FrameKind.Raft, big)])); // one chunk
    await waitFor(() => got.length === 1, { what: 'the welcome frame' });
    conn.setMaxFrameBytes(1 << 20); // what a link does when it takes over
    conn.attach({ frame: (f) => got.push(f), framingError: (e) => errors.push(e.message), closed() {} });
    await waitFor(() => got.length === 2 || errors.length > 0, { what: 'the Raft frame' });
    expect(errors).toEqual([]);
    expect(got[1].kind).toBe(FrameKind.Raft);
    expect(got[1].payload.equals(big)).toBe(true);
    a.destroy();
    b.destroy();
  });

  it('a peer that rejects our frame is logged with its reason (oversizedFrame), not as unexpectedFrame', async () => {
    const log = capturingLogger();
    const { transports } = await startTransports(['n1', 'n2'], {
      n1: { logger: log },
      n2: { maxFrameBytes: 64 * 1024 },
    });
    open.push(...transports.values());
    const [n1, n2] = [transports.get('n1')!, transports.get('n2')!];
    await waitFor(() => n1.isConnected('n2') && n2.isConnected('n1'), { what: 'the link' });
    n1.send('n2', new Uint8Array(100 * 1024));
    const line = await waitFor(() => log.lines.find((l) => l.message === 'peer rejected our link'), {
      what: "n2's REJECT",
    });
    expect(line.fields).toMatchObject({ peer: 'n2', reason: 'oversizedFrame' });
    expect(String(line.fields?.message)).toMatch(/exceeds the limit of 65536/);
    expect(log.lines.some((l) => l.fields?.reason === 'unexpectedFrame')).toBe(false);
  });
});
