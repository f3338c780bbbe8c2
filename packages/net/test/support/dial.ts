import { connect } from 'node:net';
import {
  ClusterSecret,
  type ConnectionRejectedError,
  dialHandshake,
  FramedConnection,
  HANDSHAKE_MAX_FRAME_BYTES,
  type HandshakeResult,
  type PeerRole,
} from '../../src/index.js';
import { SECRET } from './cluster.js';

export interface DialAs {
  role?: PeerRole;
  id?: string;
  secret?: string;
  clusterId?: string;
  version?: number;
  expectedPeerId?: string;
}

/** Dial `port` and run the dialer handshake with the given (possibly wrong) credentials. */
export async function dialAs(
  port: number,
  as: DialAs = {},
): Promise<{ conn: FramedConnection; result?: HandshakeResult; error?: ConnectionRejectedError }> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const conn = new FramedConnection(
    socket,
    { maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES },
    { frame() {}, framingError() {}, closed() {} },
  );
  try {
    const result = await dialHandshake(conn, {
      role: as.role ?? 'client',
      selfId: as.id ?? 'client-1',
      secret: ClusterSecret.from(as.secret ?? SECRET),
      clusterId: as.clusterId ?? 'test',
      timeoutMs: 2000,
      version: as.version,
      expectedPeerId: as.expectedPeerId,
    });
    return { conn, result };
  } catch (error) {
    return { conn, error: error as ConnectionRejectedError };
  }
}

export function closedPromise(conn: FramedConnection): Promise<void> {
  return new Promise((resolve) => {
    if (conn.closed) resolve();
    else conn.socket.once('close', () => resolve());
  });
}
