import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../src/cli/args.js';
import { toJson } from '../src/cli/client-commands.js';
import { stateMachineFlags } from '../src/cli/node-command.js';
import { renderStatus } from '../src/cli/status-table.js';
import { prepareDataDir, writeNodeIdentity } from '../src/node/data-dir.js';
import type { NodeStatusReport } from '../src/node/node-server.js';

const flags = (...argv: string[]) => stateMachineFlags(parseCommandLine(['node', ...argv]));

describe('app state machines on the command line', () => {
  it('parses --state-machine PATH[#export], --state-machine-options JSON and --on-apply-error', () => {
    expect(flags()).toBeUndefined();
    expect(flags('--state-machine', './dist/ledger.js')).toEqual({ module: './dist/ledger.js' });
    expect(
      flags(
        '--state-machine',
        './dist/ledger.js#createLedger',
        '--state-machine-options',
        '{"maxAmount":5}',
        '--on-apply-error',
        'halt',
      ),
    ).toEqual({
      module: './dist/ledger.js',
      export: 'createLedger',
      options: { maxAmount: 5 },
      onApplyError: 'halt',
    });
    expect(() => flags('--state-machine', './x.js#')).toThrow(UsageError);
    expect(() => flags('--state-machine', './x.js', '--state-machine-options', '{nope')).toThrow(
      /--state-machine-options is not JSON/,
    );
    expect(() => flags('--state-machine', './x.js', '--on-apply-error', 'explode')).toThrow(/reject or halt/);
    expect(() => flags('--state-machine-options', '{}')).toThrow(/need --state-machine/);
  });

  it('prints results as one JSON line (bigints as digits, bytes as base64, undefined as null)', () => {
    expect(toJson({ n: 2n ** 70n, b: new Uint8Array([1, 2, 3]), s: 'x' })).toBe(
      '{"n":"1180591620717411303424","b":"AQID","s":"x"}',
    );
    expect(toJson(Buffer.from([255]))).toBe('"/w=="');
    expect(toJson(undefined)).toBe('null');
  });

  it('shows a node halted by its state machine as failed in `raftkit status`', () => {
    const node = {
      id: 'n2',
      role: 'follower',
      term: 3,
      leader: 'n1',
      commitIndex: 40,
      appliedIndex: 11,
      lastIndex: 40,
      priority: 0,
      checkpoints: { interval: 20, self: 'ok', peers: [] },
      quarantine: null,
      failed: { index: 12, term: 3, message: 'insufficient funds', at: 0 },
    } as unknown as NodeStatusReport['node'];
    const out = renderStatus([
      {
        id: 'n2',
        address: '127.0.0.1:2000',
        report: {
          id: 'n2',
          address: '127.0.0.1:2000',
          node,
          peers: [],
          alerts: [],
          net: { rejectedConnections: 0, rejectedFrames: 0, rejectedProbes: 0, droppedFrames: 0, clients: 0 },
        },
      },
    ]);
    expect(out).toMatch(/n2 +127\.0\.0\.1:2000 +failed at 12: insufficient funds/);
  });
});

describe('a data dir remembers which kind of state machine wrote it', () => {
  const startIn = (d: string, machine: 'kv' | 'app') =>
    prepareDataDir(d, 'n1', 'c', { peers: ['n2'], singleNode: false, joined: null, machine });
  it('refuses to start an app machine on a KV log and the reverse; a dir from before the record is accepted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftkit-machine-kind-'));
    try {
      startIn(dir, 'kv').commit();
      expect(() => startIn(dir, 'app')).toThrow(
        /holds the log of the built-in KV store; node n1 was started with an app state machine \(--state-machine\)/,
      );
      startIn(dir, 'kv').commit();
      const other = join(dir, 'app');
      startIn(other, 'app').commit();
      expect(() => startIn(other, 'kv')).toThrow(/holds the log of an app state machine/);
      // node.json written before the record: accepted, and recorded from now on.
      const legacy = join(dir, 'legacy');
      mkdirSync(legacy);
      writeNodeIdentity(legacy, { id: 'n1', clusterId: 'c', starts: 1 });
      startIn(legacy, 'app').commit();
      expect(JSON.parse(readFileSync(join(legacy, 'node.json'), 'utf8'))).toMatchObject({
        machine: 'app',
        starts: 2,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
