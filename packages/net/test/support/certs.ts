import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  readonly dir: string;
  readonly ca: Buffer;
  /** Certificates for 127.0.0.1 signed by `ca`. */
  readonly node: { cert: Buffer; key: Buffer };
  readonly client: { cert: Buffer; key: Buffer };
  /** Signed by another CA: must be refused when `ca` is required. */
  readonly rogue: { cert: Buffer; key: Buffer };
}

/** Whether `openssl` can be run here. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Generate a throwaway CA and leaf certificates with openssl (EC P-256, 1 day). */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'raftkit-pki-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) => {
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
    run(
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-out',
      `${name}.crt`,
    );
  };
  const leaf = (name: string, caName: string) => {
    writeFileSync(
      join(dir, `${name}.ext`),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
    );
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
    run('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${caName}.crt`,
      '-CAkey',
      `${caName}.key`,
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    );
    return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
  };
  ca('ca');
  ca('rogue-ca');
  return {
    dir,
    ca: readFileSync(join(dir, 'ca.crt')),
    node: leaf('node', 'ca'),
    client: leaf('client', 'ca'),
    rogue: leaf('rogue', 'rogue-ca'),
  };
}
