import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClusterSecret,
  dialHandshake,
  FramedConnection,
  HANDSHAKE_MAX_FRAME_BYTES,
  type TcpTransport,
  type TlsOptions,
} from '../src/index.js';
import { hasOpenssl, makeTestPki, type TestPki } from './support/certs.js';
import { freePorts, makeTransport, rawSocket, SECRET } from './support/cluster.js';
import { waitFor } from './support/wait.js';

const openssl = hasOpenssl();
if (!openssl) console.log('TLS tests skipped: openssl is not available to generate test certificates');

const open: TcpTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

describe.skipIf(!openssl)('TLS links', () => {
  let pki: TestPki;

  async function pair(tlsA: TlsOptions, tlsB: TlsOptions) {
    const ports = await freePorts(2);
    const addresses = new Map([
      ['n1', { host: '127.0.0.1', port: ports[0] }],
      ['n2', { host: '127.0.0.1', port: ports[1] }],
    ]);
    const n1 = makeTransport('n1', addresses, { tls: tlsA });
    const n2 = makeTransport('n2', addresses, { tls: tlsB });
    open.push(n1, n2);
    await Promise.all([n1.start(), n2.start()]);
    return { n1, n2, port: ports[1] };
  }

  it('links with mutual TLS and carries Raft frames', async () => {
    pki ??= makeTestPki();
    const tls = { cert: pki.node.cert, key: pki.node.key, ca: pki.ca };
    const { n1, n2 } = await pair(tls, tls);
    const got: number[] = [];
    n2.onRaftFrame((_from, f) => got.push(f[0]));
    await waitFor(() => n1.isConnected('n2'));
    n1.send('n2', Uint8Array.from([77]));
    await waitFor(() => got.length === 1);
    expect(got).toEqual([77]);
  });

  it('refuses a client certificate from another CA, and a plain-TCP peer, counted as tlsError', async () => {
    pki ??= makeTestPki();
    const tls = { cert: pki.node.cert, key: pki.node.key, ca: pki.ca };
    const { n2, port } = await pair(tls, tls);
    // A TLS client presenting a certificate signed by a rogue CA.
    const rogue = tlsConnect({
      host: '127.0.0.1',
      port,
      cert: pki.rogue.cert,
      key: pki.rogue.key,
      ca: pki.ca,
    });
    rogue.on('error', () => {});
    await new Promise((r) => rogue.on('close', r));
    await waitFor(() => n2.metrics.count('rejectedConnections', { reason: 'tlsError' }) >= 1);
    // A client without a certificate at all.
    const anonymous = tlsConnect({ host: '127.0.0.1', port, ca: pki.ca });
    anonymous.on('error', () => {});
    await new Promise((r) => anonymous.on('close', r));
    // Plain TCP speaking the raftkit protocol to a TLS port.
    const raw = await rawSocket(port);
    raw.socket.write(Buffer.from([0, 0, 0, 3, 1, 0, 1]));
    await raw.closed;
    await waitFor(() => n2.metrics.count('rejectedConnections', { reason: 'tlsError' }) >= 3);
  });

  it('closes a connection that never starts its TLS handshake (TLS-level slow-loris)', async () => {
    pki ??= makeTestPki();
    const tls = { cert: pki.node.cert, key: pki.node.key, ca: pki.ca };
    const { n2, port } = await pair(tls, tls);
    const before = n2.metrics.count('rejectedConnections', { reason: 'tlsError' });
    const raw = await rawSocket(port);
    const started = Date.now();
    await raw.closed; // the test transports use a 1 s handshake deadline
    expect(Date.now() - started).toBeLessThan(5000);
    await waitFor(() => n2.metrics.count('rejectedConnections', { reason: 'tlsError' }) === before + 1);
  });

  it('a dialer rejects a server whose certificate is not from the CA', async () => {
    pki ??= makeTestPki();
    const ports = await freePorts(2);
    const addresses = new Map([
      ['n1', { host: '127.0.0.1', port: ports[0] }],
      ['n2', { host: '127.0.0.1', port: ports[1] }],
    ]);
    const n1 = makeTransport('n1', addresses, {
      tls: { cert: pki.node.cert, key: pki.node.key, ca: pki.ca },
    });
    const n2 = makeTransport('n2', addresses, { tls: { cert: pki.rogue.cert, key: pki.rogue.key } });
    open.push(n1, n2);
    await Promise.all([n1.start(), n2.start()]);
    // n1 keeps trying and never links.
    await waitFor(() => n2.metrics.count('rejectedConnections', { reason: 'tlsError' }) >= 1);
    expect(n1.isConnected('n2')).toBe(false);
  });

  it('encryption-only TLS (no CA) still authenticates with the HMAC handshake, bound to the TLS session', async () => {
    pki ??= makeTestPki();
    const tls = { cert: pki.node.cert, key: pki.node.key };
    const { n1, n2, port } = await pair(tls, tls);
    await waitFor(() => n1.isConnected('n2'));
    n2.onClient((c) => c.attach({ request: (p) => c.respond(p) }));
    // A TLS client with the wrong secret is refused by the handshake.
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await new Promise((r) => socket.once('secureConnect', r));
    const conn = new FramedConnection(
      socket,
      { maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES },
      { frame() {}, framingError() {}, closed() {} },
    );
    const attempt = dialHandshake(conn, {
      role: 'client',
      selfId: 'c',
      secret: ClusterSecret.from('wrong-secret-0123456789'),
      clusterId: 'test',
      timeoutMs: 2000,
    });
    await expect(attempt).rejects.toMatchObject({ reason: 'badAuth' });
    await waitFor(() => n2.metrics.count('rejectedConnections', { reason: 'badAuth' }) === 1);
    // And with the right secret it is accepted.
    const socket2 = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await new Promise((r) => socket2.once('secureConnect', r));
    const conn2 = new FramedConnection(
      socket2,
      { maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES },
      { frame() {}, framingError() {}, closed() {} },
    );
    const ok = await dialHandshake(conn2, {
      role: 'client',
      selfId: 'c',
      secret: ClusterSecret.from(SECRET),
      clusterId: 'test',
      timeoutMs: 2000,
    });
    expect(ok.peerId).toBe('n2');
    conn2.destroy();
  });

  it('a man in the middle relaying the handshake between two TLS sessions fails (channel binding)', async () => {
    pki ??= makeTestPki();
    const tls = { cert: pki.node.cert, key: pki.node.key };
    const { n2, port } = await pair(tls, tls);
    n2.onClient((c) => c.attach({ request: (p) => c.respond(p) }));
    // The relay terminates the client's TLS and opens its own TLS session to n2, copying bytes both ways.
    const [relayPort] = await freePorts(1);
    const relay = createTlsServer({ cert: pki.rogue.cert, key: pki.rogue.key }, (front) => {
      const back = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
      front.pipe(back).pipe(front);
      front.on('error', () => back.destroy());
      back.on('error', () => front.destroy());
    });
    await new Promise<void>((r) => relay.listen(relayPort, '127.0.0.1', () => r()));
    try {
      const socket = tlsConnect({ host: '127.0.0.1', port: relayPort, rejectUnauthorized: false });
      await new Promise((r) => socket.once('secureConnect', r));
      const conn = new FramedConnection(
        socket,
        { maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES },
        { frame() {}, framingError() {}, closed() {} },
      );
      // Right secret, but the two TLS sessions export different keying material.
      const attempt = dialHandshake(conn, {
        role: 'client',
        selfId: 'victim',
        secret: ClusterSecret.from(SECRET),
        clusterId: 'test',
        timeoutMs: 2000,
      });
      await expect(attempt).rejects.toMatchObject({ reason: 'badAuth' });
    } finally {
      relay.close();
    }
  });
});
