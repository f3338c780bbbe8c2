import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions, TlsOptions as NodeTlsOptions } from 'node:tls';
import { NetConfigError } from './errors.js';

/**
 * TLS for links and clients (optional). Without `ca`, TLS only encrypts (the
 * HMAC handshake still authenticates, bound to the TLS session). With `ca`,
 * both sides present certificates and verify the other's against it (mutual
 * authentication); a dialer also checks that the certificate names the host
 * or IP it dialed.
 */
export interface TlsOptions {
  /** PEM certificate chain of this node or client (required to listen, and for mutual TLS). */
  readonly cert?: string | Buffer;
  /** PEM private key (with `cert`). */
  readonly key?: string | Buffer;
  /** PEM CA bundle; enables verification of the peer's certificate on both sides. */
  readonly ca?: string | Buffer;
}

export function loadTlsFiles(files: { cert?: string; key?: string; ca?: string }): TlsOptions {
  const read = (path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new NetConfigError(`cannot read TLS file ${path}: ${(error as Error).message}`);
    }
  };
  return {
    cert: files.cert ? read(files.cert) : undefined,
    key: files.key ? read(files.key) : undefined,
    ca: files.ca ? read(files.ca) : undefined,
  };
}

/** `handshakeTimeoutMs` bounds the TLS handshake too (slow-loris below our own handshake). */
export function tlsServerOptions(tls: TlsOptions, handshakeTimeoutMs: number): NodeTlsOptions {
  if (tls.cert === undefined || tls.key === undefined) {
    throw new NetConfigError('a TLS listener needs a certificate and a key');
  }
  const mutual = tls.ca !== undefined;
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    requestCert: mutual,
    rejectUnauthorized: mutual,
    minVersion: 'TLSv1.2',
    handshakeTimeout: handshakeTimeoutMs,
  };
}

export function tlsDialOptions(tls: TlsOptions, host: string, port: number): ConnectionOptions {
  return {
    host,
    port,
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    rejectUnauthorized: tls.ca !== undefined,
    servername: isIP(host) ? undefined : host,
    minVersion: 'TLSv1.2',
  };
}
