import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RaftClient } from '../src/index.js';
import { SECRET } from './support/cluster.js';
import { agreedLeader, converged, liveStatuses } from './support/process-checks.js';
import { ProcessCluster, runCli } from './support/processes.js';
import { waitFor } from './support/wait.js';

// Small snapshots, so the rebuilt node catches up by snapshot (the leader compacted its log).
const ARGS = [
  '--tick-ms',
  '50',
  '--election-ticks',
  '20',
  '--checkpoint-interval',
  '10',
  '--snapshot-entries',
  '20',
  '--snapshot-catch-up-entries',
  '5',
];

/**
 * A node process whose state is corrupted behind the log (test hook:
 * RAFTKIT_TEST_HOOKS=1 and SIGUSR2) diverges, is caught by the checkpoints
 * and quarantined; `raftkit repair ID` (or the node's own `--auto-repair`)
 * rebuilds it from the others under a fresh store until its state hash is
 * the common one again.
 */
describe('repair of a diverged node process', () => {
  const clusters: ProcessCluster[] = [];
  let hooks: string | undefined;
  beforeEach(() => {
    hooks = process.env.RAFTKIT_TEST_HOOKS;
    process.env.RAFTKIT_TEST_HOOKS = '1';
  });
  afterEach(() => {
    if (hooks === undefined) delete process.env.RAFTKIT_TEST_HOOKS;
    else process.env.RAFTKIT_TEST_HOOKS = hooks;
  });
  afterAll(async () => {
    for (const c of clusters) await c.close();
  });

  /** Corrupt `victim` and keep writing until the checkpoints quarantine it. */
  async function divergeAndWait(cluster: ProcessCluster, client: RaftClient, victim: string): Promise<void> {
    for (let i = 0; i < 20; i++) await client.put(`k${i}`, `v${i}`);
    cluster.signal(victim, 'SIGUSR2');
    await waitFor(() => cluster.logs.get(victim)!.join('').includes('test hook: corrupted'), {
      what: `the corruption of ${victim}`,
    });
    let i = 0;
    await waitFor(
      async () => {
        await client.put(`after${i}`, `${i++}`);
        const st = (await liveStatuses(client)).find((s) => s.id === victim)?.report?.node;
        return st?.quarantine?.kind === 'diverged';
      },
      { what: `${victim} quarantined as diverged`, timeoutMs: 30_000 },
    );
  }

  async function expectRepaired(
    client: RaftClient,
    victim: string,
    before: { epoch: number; incarnation: number },
  ) {
    const state = await converged(client, 3, 30_000);
    // Settled: a voter again in the leader's configuration, bound to the store it runs on now (the
    // promotion can still be on its way when the hashes first agree).
    const { st, leader } = await waitFor(
      async () => {
        const statuses = await liveStatuses(client);
        const st = statuses.find((s) => s.id === victim)?.report?.node;
        const leader = statuses.find((s) => s.report?.node?.role === 'leader')?.report?.node;
        if (!st || !leader || st.quarantine || !leader.conf.voters.includes(victim)) return null;
        return { st, leader };
      },
      { what: `${victim} to be a voter again`, timeoutMs: 30_000 },
    );
    // Back under a fresh incarnation, the one the configuration binds (never its old voting identity).
    expect(st.incarnation).not.toBe(before.incarnation);
    expect(leader.conf.incarnations?.[victim]).toBe(st.incarnation);
    expect(st.quarantine).toBeNull();
    // A fresh store: a new actor, caught up from the leader's snapshot.
    expect(st.epoch).toBeGreaterThan(before.epoch);
    expect(st.snapshots.installed).toBeGreaterThan(0);
    return state;
  }

  it('raftkit repair ID: removed, wiped, rejoined as a fresh member, same state hash as the others', async () => {
    const cluster = await ProcessCluster.start(3, ARGS);
    clusters.push(cluster);
    const client = await RaftClient.connect({ cluster: cluster.seeds, secret: SECRET, clusterId: 'test' });
    try {
      const leader = await agreedLeader(client);
      const victim = cluster.ids.find((id) => id !== leader.id)!;
      await divergeAndWait(cluster, client, victim);
      // Its status may miss one poll on a loaded machine: wait for it rather than read it once.
      const before = await waitFor(
        async () => (await liveStatuses(client)).find((s) => s.id === victim)?.report?.node,
        { what: `${victim}'s status`, timeoutMs: 20_000 },
      );
      const repaired = await runCli(['repair', victim, ...cluster.clientArgs()], 90_000);
      expect(repaired.code, repaired.stderr).toBe(0);
      expect(repaired.stdout).toMatch(
        new RegExp(`${victim} repaired: state hash [0-9a-f]+ at index \\d+ \\(caught up by snapshot`),
      );
      const state = await expectRepaired(client, victim, before);
      console.log(`repair: ${repaired.stdout.trim()}; converged at ${state.appliedIndex} ${state.stateHash}`);
      // Still a working cluster of three.
      await client.put('after-repair', 'yes');
      expect(await client.get('after-repair')).toBe('yes');
      // A node that is not diverged can be asked too; an unknown one is an error.
      const unknown = await runCli(['repair', 'n9', ...cluster.clientArgs()]);
      expect(unknown.code).toBe(2);
    } finally {
      client.close();
    }
  }, 90_000);

  it('--auto-repair: the diverged node rebuilds itself', async () => {
    const cluster = await ProcessCluster.start(3, [...ARGS, '--auto-repair']);
    clusters.push(cluster);
    const client = await RaftClient.connect({ cluster: cluster.seeds, secret: SECRET, clusterId: 'test' });
    try {
      const leader = await agreedLeader(client);
      const victim = cluster.ids.find((id) => id !== leader.id)!;
      // Its status may miss one poll on a loaded machine: wait for it rather than read it once.
      const before = await waitFor(
        async () => (await liveStatuses(client)).find((s) => s.id === victim)?.report?.node,
        { what: `${victim}'s status`, timeoutMs: 20_000 },
      );
      const epoch = before.epoch;
      for (let i = 0; i < 20; i++) await client.put(`k${i}`, `v${i}`);
      cluster.signal(victim, 'SIGUSR2');
      let i = 0;
      await waitFor(
        async () => {
          await client.put(`after${i}`, `${i++}`);
          const st = (await liveStatuses(client)).find((s) => s.id === victim)?.report?.node;
          return st && st.epoch > epoch && !st.quarantine && st.conf.voters.includes(victim);
        },
        { what: `${victim} to repair itself`, timeoutMs: 60_000 },
      );
      const state = await expectRepaired(client, victim, before);
      expect(cluster.logs.get(victim)!.join('')).toMatch(/auto-repair: this node diverged/);
      console.log(`auto-repair: ${victim} converged at ${state.appliedIndex} ${state.stateHash}`);
    } finally {
      client.close();
    }
  }, 90_000);
});
