import type { NodeId } from '@raftkit/core';
import type { RuntimeNodeStatus } from '../src/control/api.js';
import {
  type Cluster,
  type ClusterOptions,
  createCluster,
  NodeStoppedError,
  NotLeaderError,
  ProposalDroppedError,
  TimeoutError,
} from '../src/index.js';
import { waitFor } from '../src/wait-for.js';

/** Short ticks keep tests fast: election timeout 10 x 15 ms. */
export const FAST: ClusterOptions = { tickMs: 15, electionTicks: 10, heartbeatTicks: 1 };

const live = new Set<Cluster>();

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const c = await createCluster({ ...FAST, ...opts });
  live.add(c);
  return c;
}

/** Close every cluster a test started (call in afterEach). */
export async function closeClusters(): Promise<void> {
  const all = [...live];
  live.clear();
  await Promise.all(all.map((c) => c.close()));
}

/**
 * Wait until the given running nodes have applied the same, fully committed
 * log (same last, commit and applied index) and hold the same state hash.
 */
export async function waitConverged(
  cluster: Cluster,
  ids: readonly NodeId[] = cluster.ids,
  timeoutMs = 10_000,
): Promise<RuntimeNodeStatus[]> {
  return waitFor(
    async () => {
      const sts = await Promise.all(ids.map((id) => cluster.node(id).status()));
      const [a] = sts;
      const same = sts.every(
        (s) =>
          s.lastIndex === a.lastIndex &&
          s.commitIndex === a.lastIndex &&
          s.appliedIndex === a.lastIndex &&
          s.stateHash === a.stateHash &&
          s.term === a.term,
      );
      return same ? sts : null;
    },
    { timeoutMs, what: `nodes ${ids.join(',')} to converge` },
  );
}

export function followersOf(cluster: Cluster, leader: NodeId): NodeId[] {
  return cluster.ids.filter((id) => id !== leader);
}

/**
 * Propose `data` on whoever leads, again on the next leader when leadership
 * moves meanwhile (a loaded machine can lose a leader to CheckQuorum). Only
 * for payloads that are safe to repeat: app commands with a session.
 */
export async function proposeOnLeader(
  cluster: Cluster,
  data: Uint8Array,
  timeoutMs = 10_000,
): Promise<unknown> {
  const retriable = (e: unknown) =>
    e instanceof NotLeaderError ||
    e instanceof ProposalDroppedError ||
    e instanceof NodeStoppedError ||
    e instanceof TimeoutError;
  const r = await waitFor(
    async () => ({ result: await cluster.node(await cluster.waitForLeader({ timeoutMs })).propose(data) }),
    { timeoutMs, what: 'a proposal on the leader', fatal: (e) => !retriable(e) },
  );
  return r.result;
}
