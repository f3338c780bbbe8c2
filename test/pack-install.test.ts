import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The packages as a user gets them: `pnpm pack` @raftkit/core, runtime and
 * net (built by `pnpm test` first), `npm install` the tarballs into a fresh
 * app outside the workspace, write a plain JS state machine there, and run it
 * as a 3-node cluster on worker threads and as 3 `raftkit node` processes,
 * with a command and a query through each (and through the installed CLI).
 * Third-party dependencies come from the npm cache or registry.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['core', 'runtime', 'net'];

function run(cmd: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error)
        reject(
          new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`),
        );
      else resolve(stdout);
    });
  });
}

// A state machine written against the app contract only: a registry of unique names.
const MACHINE = `export default function createRegistry(options) {
  let names = new Map();
  return {
    apply(cmd, ctx) {
      if (names.has(cmd.name)) throw new Error(\`\${cmd.name} is taken\`);
      names.set(cmd.name, { owner: cmd.owner, index: ctx.index });
      return { registered: cmd.name, count: names.size + (options?.offset ?? 0) };
    },
    query(q) {
      return names.get(q.name)?.owner ?? null;
    },
    snapshot() {
      return new TextEncoder().encode(JSON.stringify([...names]));
    },
    restore(bytes) {
      names = new Map(JSON.parse(new TextDecoder().decode(bytes)));
    },
  };
}
`;

const THREADS = `import { createCluster } from '@raftkit/runtime';
const cluster = await createCluster({ nodes: 3, stateMachine: { module: './machine.js', options: { offset: 100 } } });
try {
  const client = cluster.client();
  const out = { command: await client.command({ name: 'raft', owner: 'diego' }) };
  out.query = await client.query({ name: 'raft' }, { consistency: 'linearizable' });
  out.error = await client.command({ name: 'raft', owner: 'someone' }).then(() => null, (e) => e.code + ': ' + e.message);
  console.log(JSON.stringify(out));
} finally {
  await cluster.close();
}
`;

const PROCESSES = `import { execFileSync } from 'node:child_process';
import { LocalProcessCluster, RaftClient } from '@raftkit/net';
const nodes = await LocalProcessCluster.start({ args: ['--state-machine', './machine.js', '--tick-ms', '30'] });
try {
  const client = await RaftClient.connect({ cluster: nodes.seeds, secret: nodes.secret, clusterId: nodes.clusterId });
  const out = { command: await client.command({ name: 'paxos', owner: 'leslie' }) };
  out.query = await client.query({ name: 'paxos' });
  client.close();
  const cli = (...args) => execFileSync('node_modules/.bin/raftkit', [...args, ...nodes.clientArgs()], { encoding: 'utf8' });
  out.cliCommand = cli('command', '{"name":"zab","owner":"flavio"}').trim();
  out.cliQuery = cli('query', '{"name":"zab"}', '--consistency', 'lease').trim();
  console.log(JSON.stringify(out));
} finally {
  await nodes.close();
}
`;

const dir = mkdtempSync(join(tmpdir(), 'raftkit-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed packages in a fresh app outside the workspace', () => {
  const app = join(dir, 'app');

  it('install from their tarballs with npm', async () => {
    for (const p of PACKAGES) {
      await run('pnpm', ['pack', '--pack-destination', dir], join(ROOT, 'packages', p));
    }
    const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toHaveLength(PACKAGES.length);
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs.map((t) => join(dir, t))],
      app,
    );
    writeFileSync(join(app, 'machine.js'), MACHINE);
    writeFileSync(join(app, 'threads.mjs'), THREADS);
    writeFileSync(join(app, 'processes.mjs'), PROCESSES);
  });

  it('run a 3-node cluster of the app machine on worker threads', async () => {
    const out = JSON.parse(await run(process.execPath, ['threads.mjs'], app, 60_000));
    expect(out).toEqual({
      command: { registered: 'raft', count: 101 },
      query: 'diego',
      error: 'APP_ERROR: raft is taken',
    });
  });

  it('run it as 3 raftkit node processes, through RaftClient and the installed CLI', async () => {
    const out = JSON.parse(await run(process.execPath, ['processes.mjs'], app, 90_000));
    expect(out).toEqual({
      command: { registered: 'paxos', count: 1 },
      query: 'leslie',
      cliCommand: '{"registered":"zab","count":2}',
      cliQuery: '"flavio"',
    });
  });
});
