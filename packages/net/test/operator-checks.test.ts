import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError, storageErrorFrom } from '@raftkit/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkPeerList,
  NetConfigError,
  NodeBusyError,
  RaftClient,
  RaftkitNode,
  secretFileWarning,
} from '../src/index.js';
import { prepareDataDir, writeFileAtomic, writeNodeIdentity } from '../src/node/data-dir.js';
import { freePorts, rawSocket, SECRET } from './support/cluster.js';
import { BIN, runCli } from './support/processes.js';
import { waitFor } from './support/wait.js';

/** Operator mistakes get a message that says what and where (finding 7 of the deployment review). */
const dir = mkdtempSync(join(tmpdir(), 'raftkit-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const local = (port: number) => ({ host: '127.0.0.1', port });

describe('the secret file', () => {
  it('readable by group or others: a warning naming the file, its mode and the fix', () => {
    const file = join(dir, 'open-secret');
    writeFileSync(file, `${SECRET}\n`);
    chmodSync(file, 0o644);
    expect(secretFileWarning(file)).toBe(
      `the secret file ${file} is readable by its group and every user (mode 0644): anyone who can read it can join the cluster; run chmod 600 ${file}`,
    );
    chmodSync(file, 0o640);
    expect(secretFileWarning(file)).toMatch(/readable by its group \(mode 0640\)/);
    chmodSync(file, 0o600);
    expect(secretFileWarning(file)).toBeNull();
  });

  it('the CLI warns on stderr and goes on (a process)', async () => {
    const file = join(dir, 'cli-secret');
    writeFileSync(file, `${SECRET}\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    const r = await runCli(['get', 'k', '--cluster', '127.0.0.1:1', '--secret-file', file]);
    expect(r.stderr).toContain(`warning: the secret file ${file} is readable by its group and every user`);
    expect(r.stderr).toMatch(/error: .*127\.0\.0\.1:1/); // it went on to try the node
  });
});

describe('the peer list', () => {
  it("refuses the node's own address, its own id, and two peers at one address", () => {
    const peers = (list: [string, number][]) => new Map(list.map(([id, port]) => [id, local(port)]));
    expect(() => checkPeerList('n1', local(7001), peers([['n2', 7001]]))).toThrow(
      "--peers: peer n2 at 127.0.0.1:7001 is this node's own listen address (127.0.0.1:7001)",
    );
    expect(() => checkPeerList('n1', { host: '0.0.0.0', port: 7001 }, peers([['n2', 7001]]))).toThrow(
      /own listen address/,
    );
    expect(() => checkPeerList('n1', local(7001), peers([['n1', 7002]]))).toThrow(
      '--peers must not list the node itself (n1)',
    );
    expect(() =>
      checkPeerList(
        'n1',
        local(7001),
        new Map([
          ['n2', local(7002)],
          ['n3', { host: 'localhost', port: 7002 }],
        ]),
      ),
    ).toThrow('--peers: peers n2 and n3 have the same address localhost:7002');
    expect(() => checkPeerList('n1', local(7001), peers([['n2', 7002]]))).not.toThrow();
  });

  it('`raftkit node` with its own address among the peers exits 2 before creating anything (a process)', async () => {
    const [port] = await freePorts(1);
    const secret = join(dir, 'node-secret');
    writeFileSync(secret, `${SECRET}\n`, { mode: 0o600 });
    const data = join(dir, 'self-peer');
    const r = await runCli([
      'node',
      '--id',
      'n1',
      '--listen',
      `127.0.0.1:${port}`,
      '--peers',
      `n2=127.0.0.1:${port}`,
      '--data',
      data,
      '--secret-file',
      secret,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`peer n2 at 127.0.0.1:${port} is this node's own listen address`);
    expect(existsSync(data)).toBe(false);
  });
});

describe('ids that are too long', () => {
  it('say "too long" with the length and the limit, before any data dir is made', async () => {
    const [port] = await freePorts(1);
    const data = join(dir, 'long-id');
    const attempt = RaftkitNode.create({
      id: 'a'.repeat(200),
      listen: local(port),
      peers: new Map([['n2', local(port + 1)]]),
      dataDir: data,
      secret: SECRET,
    });
    await expect(attempt).rejects.toBeInstanceOf(NetConfigError);
    await expect(attempt).rejects.toThrow(/is too long \(200 characters, at most 64\)/);
    expect(existsSync(data)).toBe(false);
    const longCluster = RaftkitNode.create({
      id: 'n1',
      listen: local(port),
      peers: new Map([['n2', local(port + 1)]]),
      dataDir: 'memory',
      clusterId: 'c'.repeat(200),
      secret: SECRET,
    });
    await expect(longCluster).rejects.toThrow(
      /cluster id "c+\.\.\." is too long \(200 characters, at most 128\)/,
    );
  });
});

describe('a node with too many pending handshakes', () => {
  it('tells a client it is busy and to try again, not that it is not running', async () => {
    const [port] = await freePorts(1);
    const node = await RaftkitNode.start({
      id: 'n1',
      listen: local(port),
      peers: new Map(),
      dataDir: 'memory',
      secret: SECRET,
      clusterId: 'test',
      udpPort: false,
      transport: { maxPendingHandshakes: 1, handshakeTimeoutMs: 30_000 },
    });
    const idle = await rawSocket(port); // holds the one pending-handshake slot
    const listener = (node.transport as unknown as { listener: { pendingHandshakes: number } }).listener;
    try {
      await waitFor(() => listener.pendingHandshakes === 1, { what: 'the idle socket to be accepted' });
      const attempt = RaftClient.connect({ cluster: `127.0.0.1:${port}`, secret: SECRET, clusterId: 'test' });
      await expect(attempt).rejects.toBeInstanceOf(NodeBusyError);
      await expect(attempt).rejects.toThrow(
        `node 127.0.0.1:${port} is busy (too many connections in their handshake): try again`,
      );
      await expect(attempt).rejects.not.toThrow(/not running/);
    } finally {
      idle.socket.destroy();
      await node.stop();
    }
  });
});

describe('files the node writes', () => {
  it('a full disk: StorageError noSpace naming the file, and no temp file left behind', () => {
    if (process.platform !== 'linux') return; // /dev/full is Linux's disk that is always full
    const d = mkdtempSync(join(dir, 'full-'));
    const file = join(d, 'node.json');
    symlinkSync('/dev/full', `${file}.tmp`); // the temp file's writes go to a full device
    let error: unknown;
    try {
      writeFileAtomic(file, '{"id":"n1"}');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ kind: 'noSpace', path: file });
    expect((error as Error).message).toMatch(/no space left on the device \(ENOSPC\)/);
    expect(readdirSync(d)).toEqual([]);
  });

  it('node.json carries a checksum: a changed byte is refused at start, naming the file', () => {
    const d = mkdtempSync(join(dir, 'identity-'));
    writeNodeIdentity(d, { id: 'n1', clusterId: 'prod', starts: 3, members: ['n1', 'n2', 'n3'] });
    const file = join(d, 'node.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"starts":3', '"starts":0'));
    expect(() =>
      prepareDataDir(d, 'n1', 'prod', { peers: ['n2', 'n3'], singleNode: false, joined: null }),
    ).toThrow(`storage corrupt at ${file}: the node.json record fails its checksum`);
  });

  // A root test process reads anything: it runs the node as `nobody` to meet a permission error.
  const asUnprivileged = process.getuid?.() === 0 ? ['runuser', '-u', 'nobody', '--'] : [];
  it.skipIf(process.platform !== 'linux' || (asUnprivileged.length > 0 && !existsSync('/usr/sbin/runuser')))(
    'a data dir the node may not read: a permission error naming the path, not "storage corrupt" (a process)',
    async () => {
      const d = mkdtempSync(join(tmpdir(), 'raftkit-perm-'));
      const data = join(d, 'data');
      const secret = join(d, 'secret');
      writeFileSync(secret, `${SECRET}\n`, { mode: 0o644 }); // readable by the node's user
      chmodSync(d, 0o755);
      mkdirSync(data, { mode: 0o000 });
      try {
        const [port] = await freePorts(1);
        const args = [
          'node',
          '--id',
          'n1',
          '--listen',
          `127.0.0.1:${port}`,
          '--peers',
          `n2=127.0.0.1:${port + 1}`,
        ];
        const [cmd, ...pre] = [...asUnprivileged, process.execPath];
        const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
          execFile(
            cmd,
            [...pre, BIN, ...args, '--data', data, '--secret-file', secret],
            (error, _out, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
          );
        });
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`storage permission at ${join(data, 'node.json')}`);
        expect(r.stderr).toContain('permission denied (EACCES)');
      } finally {
        chmodSync(data, 0o755);
        rmSync(d, { recursive: true, force: true });
      }
    },
  );

  it('operating-system errors map to their own StorageError kinds with the path', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    expect(storageErrorFrom(errno('EACCES'), '/d/raft', 'cannot open')).toMatchObject({
      kind: 'permission',
      path: '/d/raft',
      message: 'storage permission at /d/raft: cannot open: permission denied (EACCES)',
    });
    expect(storageErrorFrom(errno('ENOSPC'), '/d', 'x').kind).toBe('noSpace');
    expect(storageErrorFrom(errno('EIO'), '/d', 'x').kind).toBe('io');
  });
});
