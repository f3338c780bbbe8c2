import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '@raftkit/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftClient } from '../src/index.js';
import { SECRET } from './support/cluster.js';
import { ProcessCluster, runCli } from './support/processes.js';
import { waitFor } from './support/wait.js';

// The runtime tests' app machine (plain JS, written against the app contract only).
const BANK = fileURLToPath(new URL('../../runtime/test/fixtures/bank-machine.mjs', import.meta.url));
type Bank = typeof import('../../runtime/test/fixtures/bank-machine.mjs').createBank;

/** Three `raftkit node --state-machine` processes driven by the CLI and by RaftClient over TCP. */
describe('an app state machine in three node processes', () => {
  let cluster: ProcessCluster;
  let client: RaftClient<Bank>;

  beforeAll(async () => {
    // A relative module path: resolved from the node process's current directory (it inherits ours).
    cluster = await ProcessCluster.start(3, [
      '--tick-ms',
      '50',
      '--election-ticks',
      '20',
      '--state-machine',
      `${relative(process.cwd(), BANK)}#createBank`,
      '--state-machine-options',
      '{"hash":false}',
    ]);
    client = await RaftClient.connect<Bank>({ cluster: cluster.seeds, secret: SECRET, clusterId: 'test' });
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await cluster?.close();
  });

  it('runs commands and queries from the CLI (JSON on stdout, exit 2 with the message on an app error)', async () => {
    const [a, b, c] = cluster.ids;
    const cli = (args: string[], seed?: string) => runCli([...args, ...cluster.clientArgs(seed)]);
    const open = await cli(['command', '{"op":"open","id":"alice"}'], cluster.address(a));
    expect(open, open.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(open.stdout)).toMatchObject({ balance: 0 });
    await cli(['command', '{"op":"open","id":"bob"}'], cluster.address(b));
    const dep = await cli(['command', '{"op":"deposit","id":"alice","amount":7}'], cluster.address(c));
    expect(JSON.parse(dep.stdout)).toMatchObject({ balance: 7 });
    const q = await cli(['query', '{"balance":"alice"}']);
    expect(q).toMatchObject({ code: 0, stdout: '7\n' });
    const stale = await cli(['query', '"total"', '--consistency', 'stale'], cluster.address(b));
    expect(stale.code).toBe(0);
    const refused = await cli(['command', '{"op":"transfer","from":"alice","to":"bob","amount":50}']);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toContain('insufficient funds in alice');
    const badJson = await cli(['query', '{not json']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('query takes one JSON argument');
  });

  it('serves typed commands and queries over TCP with the same typed errors', async () => {
    await client.command({ op: 'open', id: 'carol' });
    const r = await client.command({ op: 'deposit', id: 'carol', amount: 3 });
    expect(r.balance).toBe(3);
    expect(await client.query({ balance: 'carol' })).toBe(3);
    const err = await client
      .command({ op: 'transfer', from: 'carol', to: 'nobody', amount: 1 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.message).toBe('no account nobody');
    await expect(client.query({ balance: 'nobody' })).rejects.toBeInstanceOf(AppError);
    // An answer msgpack cannot carry fails that request only; the node keeps serving.
    await expect(client.query('huge' as never)).rejects.toThrow(/the answer cannot be encoded/);
    expect(await client.query({ balance: 'carol' })).toBe(3);
    // Every node holds the same state (the hash is derived from snapshot bytes: no hash()).
    await waitFor(
      async () => {
        const sts = (await client.status()).map((s) => s.report?.node);
        return sts.every(
          (n) => n && n.appliedIndex === sts[0]?.appliedIndex && n.stateHash === sts[0]?.stateHash,
        );
      },
      { timeoutMs: 10_000, what: 'the nodes to converge' },
    );
  });

  it('a node given a module that does not exist exits with an error naming the module and the node', async () => {
    const r = await runCli(
      [
        'node',
        '--id',
        'x1',
        '--listen',
        '127.0.0.1:0',
        '--peers',
        `n1=${cluster.address('n1')}`,
        '--data',
        `${cluster.dir}/x1`,
        '--secret-file',
        cluster.secretFile,
        '--state-machine',
        './no/such/machine.mjs',
      ],
      20_000,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /stateMachine module \.\/no\/such\/machine\.mjs \(node x1\): no such file .*no\/such\/machine\.mjs/,
    );
  });
});
