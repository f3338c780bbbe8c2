import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ClusterClosedError,
  type ClusterOptions,
  createCluster,
  DEFAULT_TICK_MS,
  InvalidRequestError,
} from '../src/index.js';

/**
 * createCluster judges its options before any worker starts: a bad option is
 * an InvalidRequestError that says which option and why, and nothing was
 * created (a node's worker would have made `<dataDir>/<id>`).
 */
describe('createCluster option checks', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'raftkit-options-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const refused = async (options: Partial<Record<keyof ClusterOptions, unknown>>, message: RegExp) => {
    const dataDir = join(dir, 'stores');
    const attempt = createCluster({ dataDir, ...options } as ClusterOptions);
    await expect(attempt).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(attempt).rejects.toThrow(message);
    // No node store was made: no worker ever started.
    expect(readdirSync(dir).flatMap((d) => readdirSync(join(dir, d)))).toEqual([]);
  };

  it('nodes must be a positive integer or a list of ids', async () => {
    await refused({ nodes: 2.5 }, /nodes must be a positive integer.*got 2\.5/);
    await refused({ nodes: 0 }, /nodes must be a positive integer/);
    await refused({ nodes: '3' }, /nodes must be a positive integer/);
  });

  it('election and heartbeat ticks are judged by the core rules up front', async () => {
    await refused({ electionTicks: 0 }, /electionTicks must be an integer >= 2, got 0/);
    await refused({ electionTicks: 1.5 }, /electionTicks must be an integer >= 2/);
    await refused({ heartbeatTicks: 0 }, /heartbeatTicks must be an integer >= 1/);
    await refused({ heartbeatTicks: 10, electionTicks: 10 }, /heartbeatTicks \(10\) must be < electionTicks/);
    await refused({ maxClockDriftTicks: 12 }, /maxClockDriftTicks \(12\) must be < electionTicks/);
  });

  it('Raft options in `raft` are judged by the same core rules and named where they came from', async () => {
    await refused(
      { raft: { electionTicks: 0 } },
      /raft\.electionTicks: electionTicks must be an integer >= 2/,
    );
    await refused({ raft: { electionTick: 20 } }, /raft\.electionTick: unknown Raft option "electionTick"/);
    await refused(
      { raft: { readMode: 'lease', checkQuorum: false } },
      /raft\.readMode: .*requires checkQuorum/,
    );
    await refused({ raft: 'fast' }, /raft must be an object/);
    // The flat alias and `raft` may not disagree (which one would win is not obvious).
    await refused({ electionTicks: 10, raft: { electionTicks: 20 } }, /electionTicks is given twice/);
  });

  it('nodes run with the tuning of `raft` (or its flat alias) on the runtime tick by default', async () => {
    const nested = await createCluster({
      nodes: 1,
      storage: 'memory',
      raft: { electionTicks: 7, heartbeatTicks: 2 },
    });
    const flat = await createCluster({
      nodes: 1,
      storage: 'memory',
      electionTicks: 9,
      raft: { electionTicks: 9 },
    });
    try {
      const a = await nested.node('n1').status();
      expect(a.tickMs).toBe(DEFAULT_TICK_MS);
      expect(a.timeouts).toMatchObject({ mode: 'fixed', electionTicks: 7, heartbeatTicks: 2 });
      expect((await flat.node('n1').status()).timeouts).toMatchObject({
        electionTicks: 9,
        heartbeatTicks: 1,
      });
    } finally {
      await Promise.all([nested.close(), flat.close()]);
    }
  });

  it('other numbers and flags', async () => {
    await refused({ tickMs: 0.5 }, /tickMs must be a number >= 1/);
    await refused({ seed: Number.NaN }, /seed must be a finite number/);
    await refused({ sideWorkThreads: 0 }, /sideWorkThreads must be an integer >= 1/);
    await refused({ directLinks: 'yes' }, /directLinks must be a boolean/);
    await refused({ snapshotStateRatio: -1 }, /snapshotStateRatio must be a number from 0 to 1000, got -1/);
    await refused({ snapshotStateRatio: Number.NaN }, /snapshotStateRatio must be a number/);
  });

  it('dataDir must be a directory', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const attempt = createCluster({ dataDir: file });
    await expect(attempt).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(attempt).rejects.toThrow(`dataDir ${file} is not a directory`);
  });

  it('an option that cannot be sent to a worker thread is reported as such, by name', async () => {
    await refused(
      { stateMachine: { module: join(dir, 'sm.js'), options: { onApply: () => 1 } } },
      /option stateMachine cannot be sent to a worker thread .*could not be cloned/,
    );
  });
});

describe('a closed cluster', () => {
  it('waitForLeader and kill reject at once with ClusterClosedError', async () => {
    const cluster = await createCluster({ nodes: 1, storage: 'memory', tickMs: 10 });
    await cluster.close();
    const t0 = performance.now();
    await expect(cluster.waitForLeader({ timeoutMs: 20_000 })).rejects.toBeInstanceOf(ClusterClosedError);
    await expect(cluster.kill('n1')).rejects.toBeInstanceOf(ClusterClosedError);
    // "At once": far below the 20 s wait asked for (the old behaviour polled until then).
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('a wait already under way ends with ClusterClosedError when the cluster closes', async () => {
    const cluster = await createCluster({ nodes: 2, storage: 'memory', tickMs: 10, start: false });
    await cluster.start();
    cluster.partition([['n1'], ['n2']]); // no quorum: no leader ever
    const waiting = expect(cluster.waitForLeader({ timeoutMs: 60_000 })).rejects.toBeInstanceOf(
      ClusterClosedError,
    );
    await cluster.close();
    await waiting;
  });
});
