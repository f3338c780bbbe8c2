import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNodeConfig } from '../src/cli/config-file.js';
import { ConfigFileError } from '../src/index.js';
import { agreedLeader } from './support/process-checks.js';
import { ProcessCluster, runCli } from './support/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'raftkit-config-'));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

/** `raftkit node --config FILE`: the node flags as JSON or YAML, the same validation and typed errors. */
describe('raftkit node --config', () => {
  const clusters: ProcessCluster[] = [];
  afterAll(async () => {
    for (const c of clusters) await c.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads YAML and JSON maps: flag names or camelCase, peers as a map or a string, join as a list, paths relative to the file', () => {
    const yaml = write(
      'n1.yaml',
      [
        'id: n1',
        'listen: 127.0.0.1:7001',
        'peers:',
        '  n2: 127.0.0.1:7002',
        '  n3: 127.0.0.1:7003',
        'data: ./data/n1',
        'secretFile: secret',
        'tick-ms: 50',
        'autoRepair: true',
        'state-machine-options: { limit: 3 }',
      ].join('\n'),
    );
    expect(readNodeConfig(yaml)).toEqual({
      id: 'n1',
      listen: '127.0.0.1:7001',
      peers: 'n2=127.0.0.1:7002,n3=127.0.0.1:7003',
      data: join(dir, 'data/n1'),
      'secret-file': join(dir, 'secret'),
      'tick-ms': '50',
      'auto-repair': true,
      'state-machine-options': '{"limit":3}',
    });
    const json = write(
      'n4.json',
      JSON.stringify({ id: 'n4', join: ['127.0.0.1:7001', '127.0.0.1:7002'], learner: true }),
    );
    expect(readNodeConfig(json)).toEqual({ id: 'n4', join: '127.0.0.1:7001,127.0.0.1:7002', learner: true });
  });

  it('a raft: map sets Raft options by their core names, through the same flags', () => {
    const file = write('raft.yaml', 'id: n1\nraft:\n  electionTicks: 20\n  timeouts: adaptive\n');
    expect(readNodeConfig(file)).toEqual({ id: 'n1', 'election-ticks': '20', timeouts: 'adaptive' });
    expect(() => readNodeConfig(write('raft-bad.yaml', 'raft:\n  heartbeatTicks: 2\n'))).toThrow(
      /raft-bad\.yaml: raft\.heartbeatTicks: not a Raft option a node takes \(raft options: electionTicks/,
    );
    expect(() => readNodeConfig(write('raft-list.yaml', 'raft: [1]\n'))).toThrow(
      /raft-list\.yaml: raft: expected a map of Raft options/,
    );
  });

  it('refuses what a file cannot say with a ConfigFileError naming the file and the key', () => {
    const cases: [string, string, RegExp][] = [
      [
        'unknown.yaml',
        'id: n1\ntick: 50\n',
        /unknown\.yaml: tick: unknown option \(node options: id, listen/,
      ],
      ['bool.yaml', 'learner: "yes"\n', /bool\.yaml: learner: expected true or false, got "yes"/],
      ['list.json', '["id", "n1"]', /list\.json: expected a map of node options/],
      ['broken.json', '{"id": ', /broken\.json: not valid JSON/],
      ['broken.yaml', 'id: [n1\n', /broken\.yaml: not valid YAML/],
      ['peers.yaml', 'peers:\n  n2: 7002\n', /peers\.yaml: peers: expected a map of id: "host:port"/],
    ];
    for (const [name, text, message] of cases) {
      const file = write(name, text);
      expect(() => readNodeConfig(file), name).toThrow(ConfigFileError);
      expect(() => readNodeConfig(file), name).toThrow(message);
    }
    expect(() => readNodeConfig(join(dir, 'missing.yaml'))).toThrow(
      /missing\.yaml: cannot read it \(ENOENT\)/,
    );
  });

  it('the same flag validation as the command line, exit 2 with the message; the command line wins over the file', async () => {
    writeFileSync(join(dir, 'secret'), 'a-secret-of-at-least-sixteen-bytes\n', { mode: 0o600 });
    const bad = write(
      'bad-tick.yaml',
      'id: n1\nlisten: 127.0.0.1:0\ndata: ./d\nsecret-file: ./secret\ntick-ms: -5\nelection-ticks: 1\n',
    );
    const refused = await runCli(['node', '--config', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--tick-ms must be an integer/);
    const unknown = await runCli([
      'node',
      '--config',
      write('typo.yaml', 'id: n1\nlisten-on: 127.0.0.1:7001\n'),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/typo\.yaml: listen-on: unknown option/);
    // --tick-ms on the command line overrides the file's bad value: the next bad one is reported.
    const overridden = await runCli(['node', '--config', bad, '--tick-ms', '50']);
    expect(overridden.code).toBe(2);
    expect(overridden.stderr).toMatch(/--election-ticks must be an integer/);
  });

  it('a 3-process cluster started from YAML files elects a leader and serves the CLI', async () => {
    const cluster = await ProcessCluster.start(3, ['--tick-ms', '50', '--election-ticks', '20'], {
      configFiles: 'yaml',
    });
    clusters.push(cluster);
    const client = await cluster.connectClient();
    try {
      await agreedLeader(client);
      const put = await runCli(['put', 'from', 'yaml', ...cluster.clientArgs()]);
      expect(put.code, put.stderr).toBe(0);
      expect(await client.get('from')).toBe('yaml');
    } finally {
      client.close();
    }
  }, 60_000);
});
