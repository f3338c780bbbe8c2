import { checkOperations, formatCheckResult, kvModel, kvOperations } from '@raftkit/sim';
import { expect } from 'vitest';
import { RaftClient } from '../../src/index.js';
import { SECRET } from './cluster.js';
import { waitFor } from './wait.js';
import { runWorkload, type WorkloadResult } from './workload.js';

type Statuses = Awaited<ReturnType<RaftClient['status']>>;

/** Every node that answers with a running actor, as `raftkit status --json` reports it. */
export async function liveStatuses(client: RaftClient): Promise<Statuses> {
  return (await client.status()).filter((s) => s.report?.node);
}

/** The leader a majority of the answering nodes follow in its term (not one of `exclude`). */
export function agreedLeader(
  client: RaftClient,
  exclude: readonly string[] = [],
  timeoutMs = 20_000,
): Promise<{ id: string; term: number }> {
  return waitFor(
    async () => {
      const st = await liveStatuses(client);
      for (const l of st) {
        const n = l.report!.node!;
        if (n.role !== 'leader' || exclude.includes(l.id)) continue;
        const agree = st.filter((s) => s.report!.node!.leader === n.id && s.report!.node!.term === n.term);
        if (agree.length > n.conf.voters.length / 2) return { id: l.id, term: n.term };
      }
      return null;
    },
    { timeoutMs, what: 'a leader' },
  );
}

/** Clients of the cluster at `seeds` for a workload (short deadlines, so faults show as info ops). */
export function workloadClients(seeds: string, n: number): Promise<RaftClient[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      RaftClient.connect({
        cluster: seeds,
        secret: SECRET,
        clusterId: 'test',
        timeoutMs: 4000,
        attemptTimeoutMs: 1000,
      }),
    ),
  );
}

/**
 * The verdicts of a finished workload: every acknowledged unique put reads
 * back (through the leader, from `seeds`) and the history is linearizable.
 */
export async function expectNothingLostAndLinearizable(
  result: WorkloadResult,
  seeds: string,
): Promise<string> {
  const checker = await RaftClient.connect({ cluster: seeds, secret: SECRET, clusterId: 'test' });
  try {
    for (const [key, value] of result.ackedUnique) expect(await checker.get(key), key).toBe(value);
  } finally {
    checker.close();
  }
  const check = checkOperations(kvModel, kvOperations(result.ops), { budgetMs: 60_000 });
  if (check.verdict !== 'linearizable') console.log(formatCheckResult(check));
  expect(check.verdict).toBe('linearizable');
  return `${result.ops.length} ops (ok ${result.ok}, info ${result.info}, failed reads ${result.fail}), ${result.ackedUnique.size} unique acked puts, ${check.verdict}`;
}

/** Wait until every answering node (at least `count`) applied the same state; returns it. */
export function converged(
  client: RaftClient,
  count: number,
  timeoutMs = 20_000,
): Promise<{ appliedIndex: number; stateHash: string }> {
  return waitFor(
    async () => {
      const st = await liveStatuses(client);
      if (st.length < count) return null;
      const marks = new Set(st.map((s) => `${s.report!.node!.appliedIndex}:${s.report!.node!.stateHash}`));
      if (marks.size !== 1) return null;
      const n = st[0].report!.node!;
      return { appliedIndex: n.appliedIndex, stateHash: n.stateHash };
    },
    { what: `${count} nodes converge`, timeoutMs },
  );
}

/** A client workload running against a process cluster, with a status client beside it. */
export interface Load {
  /** A client for statuses and checks (not part of the workload's history). */
  readonly client: RaftClient;
  /** The highest commit index any node reports. */
  commitOf(): Promise<number>;
  /** Wait until `entries` more entries have committed (the load goes on). */
  progress(what: string, entries?: number): Promise<void>;
  /** Stop the workload and return its history (the status client stays open). */
  finish(): Promise<WorkloadResult>;
}

/** Start `clients` workload clients (seeded) against `seeds`, once a leader is agreed. */
export async function startLoad(seeds: string, seed: number, clients = 3): Promise<Load> {
  const client = await RaftClient.connect({ cluster: seeds, secret: SECRET, clusterId: 'test' });
  await agreedLeader(client);
  const workers = await workloadClients(seeds, clients);
  let done = false;
  const running = runWorkload(workers, () => done, { seed });
  const commitOf = async () =>
    Math.max(0, ...(await liveStatuses(client)).map((s) => s.report!.node!.commitIndex));
  return {
    client,
    commitOf,
    async progress(what, entries = 10) {
      const at = await commitOf();
      await waitFor(async () => (await commitOf()) > at + entries, {
        what: `load ${what}`,
        timeoutMs: 20_000,
      });
    },
    async finish() {
      done = true;
      const result = await running;
      for (const w of workers) w.close();
      return result;
    },
  };
}
