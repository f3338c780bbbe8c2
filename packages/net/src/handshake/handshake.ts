import { randomBytes } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import { ConnectionRejectedError, type RejectReason } from '../errors.js';
import { type Frame, FrameKind } from '../framing/frame.js';
import type { FramedConnection } from '../framing/framed-connection.js';
import { WireFormatError } from '../wire-msgpack.js';
import {
  decodeAuth,
  decodeChallenge,
  decodeHello,
  decodeReject,
  decodeWelcome,
  encodeAuth,
  encodeChallenge,
  encodeHello,
  encodeReject,
  encodeWelcome,
  type Hello,
  type PeerRole,
  PROTOCOL_VERSION,
  readHelloVersion,
} from './messages.js';
import { computeProof, type HandshakeTranscript, NONCE_BYTES, proofMatches } from './proof.js';
import type { ClusterSecret } from './secret.js';

/** What both sides learn about each other once the handshake succeeds. */
export interface HandshakeResult {
  readonly role: PeerRole;
  /** The remote node id, or the client's self-chosen id. */
  readonly peerId: string;
  /** The remote node's UDP probe port, when it has one. */
  readonly udpPort?: number;
}

interface CommonOptions {
  readonly secret: ClusterSecret;
  readonly clusterId: string;
  /** Deadline for the whole handshake (slow-loris protection on the acceptor). */
  readonly timeoutMs: number;
  /** Protocol version to speak (tests use another to provoke a mismatch). */
  readonly version?: number;
}

export interface AcceptOptions extends CommonOptions {
  readonly selfId: string;
  readonly udpPort?: number;
  /** Is `id` a node this acceptor may link with? */
  isKnownNode(id: string): boolean;
  /** True when the tie-break says *we* dial `id`, so it must not dial us. */
  weDial(id: string): boolean;
}

export interface DialOptions extends CommonOptions {
  readonly role: PeerRole;
  readonly selfId: string;
  readonly udpPort?: number;
  /** The node id we expect to reach; a different acceptor id is refused (`wrongPeer`). */
  readonly expectedPeerId?: string;
}

/**
 * Run the acceptor side. Resolves when the dialer has proven it knows the
 * secret; rejects with a ConnectionRejectedError after sending the dialer a
 * REJECT with the reason (and closing the connection).
 */
export function acceptHandshake(conn: FramedConnection, opts: AcceptOptions): Promise<HandshakeResult> {
  const version = opts.version ?? PROTOCOL_VERSION;
  let hello: Hello | null = null;
  let transcript: HandshakeTranscript | null = null;
  return runHandshake(conn, opts.timeoutMs, (frame, done) => {
    if (!hello) {
      if (frame.kind !== FrameKind.Hello)
        return fail('unexpectedFrame', `expected HELLO, got frame kind ${frame.kind}`);
      const theirVersion = readHelloVersion(frame.payload);
      if (theirVersion !== version) {
        return fail('versionMismatch', `peer speaks protocol version ${theirVersion}, this node ${version}`);
      }
      const h = decodeHello(frame.payload);
      if (h.clusterId !== opts.clusterId) {
        return fail('wrongCluster', `peer is in cluster "${h.clusterId}", this node in "${opts.clusterId}"`);
      }
      if (h.role === 'node' && (h.id === opts.selfId || !opts.isKnownNode(h.id))) {
        return fail('unknownNode', `node id "${h.id}" is not a peer of ${opts.selfId}`);
      }
      if (h.role === 'node' && opts.weDial(h.id)) {
        return fail('wrongDialer', `${opts.selfId} dials ${h.id}, not the other way round`);
      }
      hello = h;
      const acceptorNonce = randomBytes(NONCE_BYTES);
      transcript = {
        version,
        clusterId: opts.clusterId,
        dialerRole: h.role,
        dialerId: h.id,
        acceptorId: opts.selfId,
        dialerNonce: h.nonce,
        acceptorNonce,
        channelBinding: channelBinding(conn),
      };
      const proof = computeProof(opts.secret.handshakeKey, 'acceptor', transcript);
      conn.send(
        FrameKind.Challenge,
        encodeChallenge({ id: opts.selfId, nonce: acceptorNonce, proof, udpPort: opts.udpPort }),
        false,
      );
      return;
    }
    if (frame.kind === FrameKind.Reject) return peerRejected(frame);
    if (frame.kind !== FrameKind.Auth)
      return fail('unexpectedFrame', `expected AUTH, got frame kind ${frame.kind}`);
    const auth = decodeAuth(frame.payload);
    const expected = computeProof(opts.secret.handshakeKey, 'dialer', transcript!);
    if (!proofMatches(expected, auth.proof))
      return fail('badAuth', 'the dialer proof does not verify (wrong secret?)');
    conn.send(FrameKind.Welcome, encodeWelcome(), false);
    done({ role: hello.role, peerId: hello.id, udpPort: hello.udpPort });
  });
}

/** Run the dialer side: send HELLO, verify the acceptor's proof, prove ourselves, await WELCOME. */
export function dialHandshake(conn: FramedConnection, opts: DialOptions): Promise<HandshakeResult> {
  const version = opts.version ?? PROTOCOL_VERSION;
  const dialerNonce = randomBytes(NONCE_BYTES);
  let accepted: { id: string; udpPort?: number } | null = null;
  const promise = runHandshake(conn, opts.timeoutMs, (frame, done) => {
    if (frame.kind === FrameKind.Reject) return peerRejected(frame);
    if (!accepted) {
      if (frame.kind !== FrameKind.Challenge) {
        return fail('unexpectedFrame', `expected CHALLENGE, got frame kind ${frame.kind}`);
      }
      const c = decodeChallenge(frame.payload);
      if (opts.expectedPeerId !== undefined && c.id !== opts.expectedPeerId) {
        return fail('wrongPeer', `expected node "${opts.expectedPeerId}" at ${conn.remote}, found "${c.id}"`);
      }
      const transcript: HandshakeTranscript = {
        version,
        clusterId: opts.clusterId,
        dialerRole: opts.role,
        dialerId: opts.selfId,
        acceptorId: c.id,
        dialerNonce,
        acceptorNonce: c.nonce,
        channelBinding: channelBinding(conn),
      };
      const expected = computeProof(opts.secret.handshakeKey, 'acceptor', transcript);
      if (!proofMatches(expected, c.proof)) {
        return fail('badAuth', `the proof of ${c.id} does not verify (wrong secret?)`);
      }
      accepted = { id: c.id, udpPort: c.udpPort };
      conn.send(
        FrameKind.Auth,
        encodeAuth({ proof: computeProof(opts.secret.handshakeKey, 'dialer', transcript) }),
        false,
      );
      return;
    }
    if (frame.kind !== FrameKind.Welcome)
      return fail('unexpectedFrame', `expected WELCOME, got frame kind ${frame.kind}`);
    decodeWelcome(frame.payload);
    done({ role: 'node', peerId: accepted.id, udpPort: accepted.udpPort });
  });
  conn.send(
    FrameKind.Hello,
    encodeHello({
      version,
      clusterId: opts.clusterId,
      role: opts.role,
      id: opts.selfId,
      nonce: dialerNonce,
      udpPort: opts.udpPort,
    }),
    false,
  );
  return promise;
}

type Step = (frame: Frame, done: (result: HandshakeResult) => void) => void;

/**
 * Drive one side of the handshake: feed frames to `step` until it calls
 * `done`, enforce the deadline, and turn every failure into a REJECT frame
 * plus a ConnectionRejectedError. On success the connection is detached
 * (frames held) until its new owner attaches.
 */
function runHandshake(conn: FramedConnection, timeoutMs: number, step: Step): Promise<HandshakeResult> {
  return new Promise<HandshakeResult>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settle(
        new ConnectionRejectedError('handshakeTimeout', `handshake not completed within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const settle = (outcome: HandshakeResult | ConnectionRejectedError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome instanceof ConnectionRejectedError) {
        if (!outcome.byPeer && outcome.reason !== 'closedDuringHandshake' && !conn.closing) {
          conn.send(
            FrameKind.Reject,
            encodeReject({ reason: outcome.reason, message: outcome.message }),
            false,
          );
        }
        conn.end();
        reject(outcome);
      } else {
        conn.detach();
        resolve(outcome);
      }
    };
    conn.attach({
      frame(frame) {
        if (settled) return;
        try {
          step(frame, (result) => settle(result));
        } catch (error) {
          if (error instanceof ConnectionRejectedError) settle(error);
          else if (error instanceof WireFormatError)
            settle(new ConnectionRejectedError('malformedFrame', error.message));
          else settle(new ConnectionRejectedError('malformedFrame', String(error)));
        }
      },
      framingError(error) {
        settle(new ConnectionRejectedError(error.reason, error.message));
      },
      closed() {
        settle(
          new ConnectionRejectedError('closedDuringHandshake', 'connection closed during the handshake'),
        );
      },
    });
  });
}

function fail(reason: RejectReason, message: string): never {
  throw new ConnectionRejectedError(reason, message);
}

function peerRejected(frame: Frame): never {
  const r = decodeReject(frame.payload);
  throw new ConnectionRejectedError(r.reason, `rejected by peer: ${r.message}`, true);
}

/** TLS channel binding (RFC 5705/8446 exporter); empty on plain TCP. */
function channelBinding(conn: FramedConnection): Uint8Array {
  const socket = conn.socket;
  if (socket instanceof TLSSocket)
    return socket.exportKeyingMaterial(32, 'EXPORTER-raftkit-handshake-v1', Buffer.alloc(0));
  return new Uint8Array(0);
}
