import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SplitBrainAlert } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AppError,
  type AppOutcome,
  type Cluster,
  createCluster,
  encodeAppRequest,
  InvalidRequestError,
  NodeStoppedError,
} from '../src/index.js';
import { waitFor } from '../src/wait-for.js';
import { closeClusters, proposeOnLeader, startCluster, waitConverged } from './cluster-helpers.js';
import { tempDir } from './helpers.js';

afterEach(closeClusters);

const BANK = fileURLToPath(new URL('./fixtures/bank-machine.mjs', import.meta.url));
type Bank = typeof import('./fixtures/bank-machine.mjs').createBank;

async function bankCluster(extra: Record<string, unknown> = {}, options: unknown = {}): Promise<Cluster> {
  const cluster = await startCluster({
    nodes: 3,
    storage: 'memory',
    stateMachine: { module: BANK, export: 'createBank', options, ...extra },
  });
  await cluster.waitForLeader({ timeoutMs: 5000 });
  return cluster;
}

describe('app state machines: commands and queries', () => {
  it('applies commands, answers queries at every consistency, and a throwing apply is the typed result on every replica', async () => {
    const cluster = await bankCluster();
    const client = cluster.client<Bank>();
    await client.command({ op: 'open', id: 'a' });
    await client.command({ op: 'open', id: 'b' });
    const r = await client.command({ op: 'deposit', id: 'a', amount: 10 });
    expect(r.balance).toBe(10);
    await client.command({ op: 'transfer', from: 'a', to: 'b', amount: 4 });
    expect(await client.query({ balance: 'a' })).toBe(6);
    expect(await client.query({ balance: 'b' }, { consistency: 'lease' })).toBe(4);

    const err = await client.command({ op: 'transfer', from: 'a', to: 'b', amount: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.message).toBe('insufficient funds in a');
    expect(err.index).toBeGreaterThan(0);
    // A throwing query rejects that query only; so does an answer a thread cannot be sent.
    await expect(client.query({ balance: 'nobody' })).rejects.toThrow(/no account nobody/);
    await expect(client.query('function')).rejects.toThrow(/cannot be sent to the caller's thread/);
    expect(await client.query('huge')).toBe(2n ** 70n);
    // The cluster keeps serving, and every replica caught the throw the same way: state unchanged.
    await client.command({ op: 'deposit', id: 'b', amount: 1 });
    const sts = await waitConverged(cluster);
    for (const s of sts) {
      expect(s.failed).toBeNull();
      expect((await cluster.node(s.id).query('total', 'stale')).value).toBe(11);
      expect((await cluster.node(s.id).query('applies', 'stale')).value).toBe(5);
    }
    await expect(cluster.node(sts[0].id).read('a')).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('applies a retried command once and answers the retry from the session table', async () => {
    const cluster = await bankCluster();
    const client = cluster.client<Bank>();
    await client.command({ op: 'open', id: 'a' });
    const deposit = (seq: number) =>
      encodeAppRequest({ op: 'deposit', id: 'a', amount: 5 }, { clientId: 'c1', seq });
    const first = (await proposeOnLeader(cluster, deposit(1))) as AppOutcome;
    const retry = (await proposeOnLeader(cluster, deposit(1))) as AppOutcome;
    expect(first).toMatchObject({ ok: true, value: { balance: 5 } });
    expect(retry).toEqual(first);
    // A newer seq of the same session applies; an older one is refused.
    await proposeOnLeader(cluster, deposit(2));
    expect(await proposeOnLeader(cluster, deposit(1))).toMatchObject({ ok: false, error: 'staleSession' });
    expect(await client.query({ balance: 'a' })).toBe(10);
    expect(await client.query('applies')).toBe(3);
  });

  it('evicts the least recently used session deterministically and keeps the table through a snapshot round trip', async () => {
    const cluster = await bankCluster({ maxSessions: 2 }, { hash: false });
    const deposit = (clientId: string, seq: number) =>
      proposeOnLeader(cluster, encodeAppRequest({ op: 'deposit', id: 'a', amount: 1 }, { clientId, seq }));
    await cluster.client<Bank>().command({ op: 'open', id: 'a' });
    await deposit('x', 1);
    await deposit('y', 1);
    await deposit('z', 1); // three clients for two slots: the client's own session and x are gone
    await deposit('y', 1); // y is still known: answered from the table
    await deposit('x', 1); // x was evicted: applied again
    expect(await cluster.client<Bank>().query('applies')).toBe(5);
    const sts = await waitConverged(cluster);
    expect(new Set(sts.map((s) => s.stateHash)).size).toBe(1);
    const check = await cluster.node(sts[0].id).verifyStateHash();
    expect(check.ok).toBe(true);
  });
});

describe('app state machines: a throwing apply with onApplyError halt', () => {
  it('halts every node in a failed state with an alert naming node, index and error, and does not restart it', async () => {
    const cluster = await bankCluster({ onApplyError: 'halt' });
    const alerts: SplitBrainAlert[] = [];
    cluster.events.on('alert', (a) => alerts.push(a));
    const crashes: string[] = [];
    cluster.events.on('node', (e) => {
      if (e.event === 'crashed') crashes.push(e.node);
    });
    const client = cluster.client<Bank>({ timeoutMs: 1500 });
    await client.command({ op: 'open', id: 'a' });
    await expect(client.command({ op: 'crash' })).rejects.toThrow();
    const sts = await waitFor(
      async () => {
        const all = await Promise.all(cluster.ids.map((id) => cluster.node(id).status()));
        return all.every((s) => s.failed !== null) ? all : null;
      },
      { timeoutMs: 10_000, what: 'every node to halt' },
    );
    const index = sts[0].failed!.index;
    for (const s of sts) expect(s.failed).toMatchObject({ index, message: `crash requested at ${index}` });
    await waitFor(() => alerts.filter((a) => a.kind === 'stateMachineFailed').length === 3, {
      timeoutMs: 5000,
      what: 'three stateMachineFailed alerts',
    });
    for (const id of cluster.ids) {
      const a = alerts.find((x) => x.kind === 'stateMachineFailed' && x.nodes[0] === id)!;
      expect(a.index).toBe(index);
      expect(a.message).toContain(`node ${id}`);
      expect(a.message).toContain(`entry ${index}`);
      expect(a.message).toContain(`crash requested at ${index}`);
      // Halted, not crashed: the worker still answers, nothing restarts it.
      expect(cluster.isRunning(id)).toBe(true);
    }
    await expect(cluster.node(cluster.ids[0]).query('total', 'stale')).rejects.toBeInstanceOf(
      NodeStoppedError,
    );
    expect(crashes).toEqual([]);
  });
});

describe('app state machine specs', () => {
  it('resolves a relative module from the current directory and refuses bad specs before any worker starts', async () => {
    const cluster = await startCluster({
      nodes: 1,
      storage: 'memory',
      stateMachine: { module: relative(process.cwd(), BANK), export: 'createBank' },
    });
    await cluster.waitForLeader({ timeoutMs: 5000 });
    await cluster.client<Bank>().command({ op: 'open', id: 'a' });

    const dir = tempDir();
    try {
      const bad = join(dir.path, 'not-a-machine.mjs');
      writeFileSync(bad, 'export default () => ({ apply() {} });\n');
      const cases: [unknown, RegExp][] = [
        [
          { module: 'no/such/file.mjs' },
          /module no\/such\/file\.mjs \(node n1\): no such file .*no\/such\/file\.mjs \(relative to /,
        ],
        [
          { module: BANK, export: 'nope' },
          /\(node n1\) has no factory export 'nope' \(it exports createBank, default\)/,
        ],
        [
          { module: bad },
          /not-a-machine\.mjs \(node n1\): the factory 'default' returned neither .* \(missing: query, snapshot, restore\)/,
        ],
        [{ module: BANK, onApplyError: 'explode' }, /onApplyError must be 'reject' or 'halt'/],
      ];
      for (const [stateMachine, message] of cases) {
        await expect(createCluster({ nodes: 1, storage: 'memory', stateMachine } as never)).rejects.toThrow(
          message,
        );
      }
    } finally {
      dir.remove();
    }
  });
});
