import { type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HostPort } from '../address.js';
import { NetError } from '../errors.js';
import { type TlsOptions, tlsDialOptions } from '../tls-options.js';

/** The TCP (or TLS) connection could not be opened. Not a rejection: the peer may just be down. */
export class DialError extends NetError {
  constructor(message: string) {
    super('DIAL', message);
  }
}

/** Socket settings every link uses: no Nagle delay (Raft messages are latency bound), keepalive. */
export function tuneSocket(socket: Socket, keepAliveMs: number): void {
  socket.setNoDelay(true);
  socket.setKeepAlive(true, keepAliveMs);
}

/** Open a TCP or TLS connection, resolving once it is usable (TLS: after its handshake). */
export function openSocket(
  address: HostPort,
  opts: { tls?: TlsOptions; timeoutMs: number; keepAliveMs: number },
): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = opts.tls
      ? tlsConnect(tlsDialOptions(opts.tls, address.host, address.port))
      : tcpConnect({ host: address.host, port: address.port });
    const readyEvent = opts.tls ? 'secureConnect' : 'connect';
    const timer = setTimeout(
      () => fail(new DialError(`connect timeout after ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error instanceof NetError ? error : new DialError(error.message));
    };
    socket.once('error', fail);
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      socket.off('error', fail);
      tuneSocket(socket, opts.keepAliveMs);
      resolve(socket);
    });
  });
}
