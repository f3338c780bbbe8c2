import { connect, type Socket } from 'node:net';
import { SeededRng } from '@raftkit/core';
import { encodeClientRequest } from '../client/protocol.js';
import { encodeFrame, FrameKind, HANDSHAKE_MAX_FRAME_BYTES } from '../framing/frame.js';
import { FrameDecoder } from '../framing/frame-decoder.js';
import { FramedConnection } from '../framing/framed-connection.js';
import { dialHandshake } from '../handshake/handshake.js';
import { decodeReject, encodeAuth, encodeHello, PROTOCOL_VERSION } from '../handshake/messages.js';
import { ClusterSecret } from '../handshake/secret.js';
import { packMap } from '../wire-msgpack.js';

/**
 * A seeded fuzzer for a raftkit listener: many short connections that send
 * random bytes, mutated handshake frames, wrong credentials, slow-loris
 * stalls, and (after a correct client handshake) random and mutated client
 * frames. It records what the server did with each connection, so a test can
 * check that every bad connection was closed and counted.
 *
 * Used by the CI test (a few thousand frames) and scripts/fuzz.mjs (100k).
 */
export type FuzzCase =
  | 'randomBytes'
  | 'mutatedHello'
  | 'wrongSecret'
  | 'wrongCluster'
  | 'unknownNode'
  | 'versionMismatch'
  | 'forgedAuth'
  | 'oversized'
  | 'authedGarbage'
  | 'slowLoris';

export interface FuzzOptions {
  readonly host: string;
  readonly port: number;
  readonly secret: string;
  readonly clusterId: string;
  /** Frames to send in total (the run stops when reached). */
  readonly frames: number;
  readonly seed?: number;
  /** Connections in flight at once. Default 32. */
  readonly concurrency?: number;
  /** Slow-loris connections to include (each lasts one handshake deadline). Default 4. */
  readonly slowLoris?: number;
  /** How long to wait for the server's reaction to a frame before moving on. Default 200 ms. */
  readonly reactionMs?: number;
  /** Called after every finished connection (progress, sampling memory). */
  readonly onConnection?: (report: FuzzReport) => void;
}

export interface CaseStats {
  connections: number;
  frames: number;
  /** The server closed the connection. */
  closedByServer: number;
  /** We gave up first (server still waiting); counted by the server when still in its handshake. */
  endedByUs: number;
  /** ...of which ended while the handshake had not completed. */
  endedInHandshake: number;
  /** Server answers to authenticated requests. */
  answered: number;
}

export interface FuzzReport {
  connections: number;
  frames: number;
  closedByServer: number;
  endedInHandshake: number;
  /** Reasons from the REJECT frames the server sent. */
  rejectReasons: Record<string, number>;
  byCase: Record<string, CaseStats>;
  /** Connections that failed in the fuzzer itself (should be 0), with a few messages. */
  connectErrors: number;
  errorSamples: string[];
  durationMs: number;
}

export async function fuzzListener(opts: FuzzOptions): Promise<FuzzReport> {
  const rng = new SeededRng(opts.seed ?? 1, 'listener-fuzz');
  const int = (n: number) => rng.nextInt(n);
  const bytes = (n: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const reactionMs = opts.reactionMs ?? 200;
  const started = performance.now();
  const report: FuzzReport = {
    connections: 0,
    frames: 0,
    closedByServer: 0,
    endedInHandshake: 0,
    rejectReasons: {},
    byCase: {},
    connectErrors: 0,
    errorSamples: [],
    durationMs: 0,
  };
  const stats = (c: FuzzCase) => {
    report.byCase[c] ??= {
      connections: 0,
      frames: 0,
      closedByServer: 0,
      endedByUs: 0,
      endedInHandshake: 0,
      answered: 0,
    };
    return report.byCase[c];
  };

  const hello = (
    over: Partial<{ version: number; cluster: string; role: 'node' | 'client'; id: string }> = {},
  ) =>
    encodeFrame(
      FrameKind.Hello,
      encodeHello({
        version: over.version ?? PROTOCOL_VERSION,
        clusterId: over.cluster ?? opts.clusterId,
        role: over.role ?? 'client',
        id: over.id ?? `fuzz-${int(1e9)}`,
        nonce: bytes(32),
      }),
    );

  const mutate = (buf: Buffer): Buffer => {
    const b = Buffer.from(buf);
    switch (int(6)) {
      case 0: {
        const flips = 1 + int(4);
        for (let i = 0; i < flips; i++) b[int(b.length)] ^= 1 << int(8);
        return b;
      }
      case 1:
        b[int(b.length)] = int(256);
        return b;
      case 2:
        return b.subarray(0, int(b.length)); // truncated
      case 3:
        return Buffer.concat([b, bytes(1 + int(64))]);
      case 4:
        if (b.length < 4) return b;
        b.writeUInt32BE(int(2) ? int(0x1_0000_0000) : int(b.length * 2), 0); // lying length
        return b;
      default:
        if (b.length > 4) b[4] = int(256); // another frame kind
        return b;
    }
  };

  const randomRequest = (): Buffer => {
    const id = int(2 ** 32);
    switch (int(6)) {
      case 0:
        return bytes(int(200));
      case 1:
        return packMap({
          id,
          op: ['status', 'members', 'read', 'propose', 'nope'][int(5)],
          key: int(2) ? 'k' : 7,
        });
      case 2:
        return mutate(
          encodeFrame(FrameKind.ClientRequest, encodeClientRequest({ id, op: 'status' })),
        ).subarray(5);
      case 3:
        return packMap({ id: -1, op: 'read', key: 'k', consistency: 'bogus' });
      case 4:
        return encodeClientRequest({ id, op: 'read', key: `k${int(10)}`, consistency: 'stale' });
      default:
        return packMap({ nested: { deep: [[[[int(9)]]]] }, big: 'x'.repeat(int(3000)) });
    }
  };

  /** Open a raw socket; resolves with helpers to watch the server's reaction. */
  const openRaw = (): Promise<{
    socket: Socket;
    closed: () => boolean;
    wait: (ms: number) => Promise<boolean>;
    received: Buffer[];
  }> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: opts.host, port: opts.port });
      const received: Buffer[] = [];
      let isClosed = false;
      const waiters = new Set<() => void>();
      socket.on('data', (c) => received.push(c));
      socket.on('error', () => {});
      const onGone = () => {
        isClosed = true;
        for (const w of waiters) w();
      };
      socket.on('end', onGone);
      socket.on('close', onGone);
      socket.once('connect', () =>
        resolve({
          socket,
          received,
          closed: () => isClosed,
          wait: (ms) =>
            new Promise<boolean>((r) => {
              if (isClosed) return r(true);
              const done = () => {
                clearTimeout(t);
                waiters.delete(done);
                r(isClosed);
              };
              const t = setTimeout(done, ms);
              waiters.add(done);
            }),
        }),
      );
      socket.once('error', reject);
    });

  const noteReject = (received: Buffer[]) => {
    const { frames } = new FrameDecoder(1 << 20).push(Buffer.concat(received));
    for (const f of frames) {
      if (f.kind !== FrameKind.Reject) continue;
      try {
        const r = decodeReject(f.payload);
        report.rejectReasons[r.reason] = (report.rejectReasons[r.reason] ?? 0) + 1;
      } catch {
        report.rejectReasons.undecodable = (report.rejectReasons.undecodable ?? 0) + 1;
      }
    }
  };

  /** One pre-handshake connection: send `frames` one after the other, watching for the close. */
  /** How long a case whose connection the server must close waits for that close. */
  const MUST_CLOSE_PATIENCE_MS = 5000;
  const rawCase = async (c: FuzzCase, payloads: Buffer[], patienceMs = reactionMs) => {
    const s = stats(c);
    const raw = await openRaw();
    s.connections++;
    for (const p of payloads) {
      if (raw.closed()) break;
      raw.socket.write(p);
      s.frames++;
      report.frames++;
      await raw.wait(Math.min(20, patienceMs));
    }
    if (await raw.wait(patienceMs)) {
      s.closedByServer++;
      report.closedByServer++;
    } else {
      // The server still waits for more: end our side; it must count the abandoned handshake.
      s.endedByUs++;
      s.endedInHandshake++;
      report.endedInHandshake++;
      raw.socket.end();
      await raw.wait(5000);
    }
    noteReject(raw.received);
    raw.socket.destroy();
  };

  const credentialCase = async (
    c: FuzzCase,
    secret: string,
    cluster: string,
    version: number,
    role: 'node' | 'client',
    id: string,
  ) => {
    const s = stats(c);
    const socket = connect({ host: opts.host, port: opts.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    s.connections++;
    const conn = new FramedConnection(
      socket,
      { maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES },
      { frame() {}, framingError() {}, closed() {} },
    );
    const closed = new Promise<void>((r) => (conn.closed ? r() : socket.once('close', () => r())));
    s.frames++;
    report.frames++;
    try {
      await dialHandshake(conn, {
        role,
        selfId: id,
        secret: ClusterSecret.from(secret),
        clusterId: cluster,
        timeoutMs: 5000,
        version,
      });
      conn.destroy(); // unexpectedly accepted: the test will see closedByServer missing
    } catch (error) {
      const reason = (error as { reason?: string }).reason ?? 'unknown';
      if ((error as { byPeer?: boolean }).byPeer) {
        s.closedByServer++;
        report.closedByServer++;
        report.rejectReasons[reason] = (report.rejectReasons[reason] ?? 0) + 1;
      } else {
        // We refused the server (wrong secret: its proof does not verify with ours) and told it so.
        s.endedByUs++;
        s.endedInHandshake++;
        report.endedInHandshake++;
      }
    }
    await closed;
  };

  const authedCase = async (frames: number) => {
    const s = stats('authedGarbage');
    const socket = connect({ host: opts.host, port: opts.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    s.connections++;
    const conn = new FramedConnection(
      socket,
      { maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES },
      { frame() {}, framingError() {}, closed() {} },
    );
    await dialHandshake(conn, {
      role: 'client',
      selfId: `fuzz-${int(1e9)}`,
      secret: ClusterSecret.from(opts.secret),
      clusterId: opts.clusterId,
      timeoutMs: 5000,
    });
    let answers = 0;
    let isClosed = false;
    let wake: (() => void) | null = null;
    const received: Buffer[] = [];
    conn.setMaxFrameBytes(1 << 24);
    conn.attach({
      frame: (f) => {
        if (f.kind === FrameKind.Reject) received.push(encodeFrame(FrameKind.Reject, f.payload));
        else answers++;
        wake?.();
      },
      framingError: () => {},
      closed: () => {
        isClosed = true;
        wake?.();
      },
    });
    let weEnded = false;
    for (let i = 0; i < frames && !isClosed; i++) {
      const kind =
        int(4) === 0
          ? [FrameKind.Raft, FrameKind.Pong, FrameKind.Hello, 99, FrameKind.Ping][int(5)]
          : FrameKind.ClientRequest;
      let frame = encodeFrame(
        kind as FrameKind,
        kind === FrameKind.Ping ? bytes(int(2) ? 8 : 3) : randomRequest(),
      );
      if (int(5) === 0) frame = mutate(frame);
      const before = answers;
      socket.write(frame);
      s.frames++;
      report.frames++;
      await new Promise<void>((r) => {
        const t = setTimeout(r, reactionMs);
        wake = () => {
          if (answers > before || isClosed) {
            clearTimeout(t);
            r();
          }
        };
      });
    }
    s.answered += answers;
    if (!isClosed) {
      weEnded = true;
      // Half-close and keep reading: a REJECT for the last frame may still be on its way.
      socket.end();
      await new Promise<void>((r) => (conn.closed ? r() : socket.once('close', () => r())));
    }
    if (received.length > 0 || !weEnded) {
      s.closedByServer++;
      report.closedByServer++;
    } else {
      s.endedByUs++;
    }
    noteReject(received);
  };

  const oneConnection = async (): Promise<void> => {
    const pick = int(100);
    if (pick < 25) {
      const n = 1 + int(3);
      const payloads = Array.from({ length: n }, () => {
        const b = bytes(1 + int(64));
        if (b.length >= 4 && int(2)) b.writeUInt32BE(int(HANDSHAKE_MAX_FRAME_BYTES), 0); // plausible length, garbage body
        return b;
      });
      return rawCase('randomBytes', payloads);
    }
    if (pick < 50) return rawCase('mutatedHello', [mutate(hello())]);
    if (pick < 55)
      return credentialCase(
        'wrongSecret',
        `wrong-${bytes(12).toString('hex')}`,
        opts.clusterId,
        PROTOCOL_VERSION,
        'client',
        'c',
      );
    if (pick < 60)
      return credentialCase(
        'wrongCluster',
        opts.secret,
        `other-${int(100)}`,
        PROTOCOL_VERSION,
        'client',
        'c',
      );
    if (pick < 65)
      return credentialCase(
        'unknownNode',
        opts.secret,
        opts.clusterId,
        PROTOCOL_VERSION,
        'node',
        `intruder-${int(100)}`,
      );
    if (pick < 70)
      return credentialCase(
        'versionMismatch',
        opts.secret,
        opts.clusterId,
        PROTOCOL_VERSION + 1 + int(1000),
        'client',
        'c',
      );
    if (pick < 75) {
      // HELLO, then an AUTH with a random proof (no need to read the challenge: a guess is a guess).
      // The server must close these itself: give it the credential cases' patience, so a stalled event
      // loop on a busy machine is not mistaken for a server that kept the connection open.
      return rawCase(
        'forgedAuth',
        [Buffer.concat([hello(), encodeFrame(FrameKind.Auth, encodeAuth({ proof: bytes(32) }))])],
        MUST_CLOSE_PATIENCE_MS,
      );
    }
    if (pick < 80) {
      const header = Buffer.alloc(5);
      header.writeUInt32BE(HANDSHAKE_MAX_FRAME_BYTES + 2 + int(1 << 30), 0);
      return rawCase('oversized', [header], MUST_CLOSE_PATIENCE_MS);
    }
    return authedCase(1 + int(20));
  };

  const slow = opts.slowLoris ?? 4;
  const slowLoris = Array.from({ length: slow }, async () => {
    // Half a header, then silence: the server must close at its handshake deadline.
    await rawCase('slowLoris', [Buffer.from([0, 0])], 60_000);
  });

  const workers = Array.from({ length: opts.concurrency ?? 32 }, async () => {
    while (report.frames < opts.frames) {
      report.connections++;
      try {
        await oneConnection();
      } catch (error) {
        report.connectErrors++;
        if (report.errorSamples.length < 5) report.errorSamples.push(String(error));
      }
      opts.onConnection?.(report);
    }
  });
  await Promise.all([...workers, ...slowLoris]);
  report.connections += slow;
  report.durationMs = performance.now() - started;
  return report;
}
