import { afterAll, describe, expect, it } from 'vitest';
import {
  agreedLeader,
  converged,
  expectNothingLostAndLinearizable,
  liveStatuses,
  startLoad,
} from './support/process-checks.js';
import { ProcessCluster, runCli } from './support/processes.js';
import { waitFor } from './support/wait.js';

/**
 * A 3-process cluster grown to 5 by new `--join` nodes and shrunk back to 3
 * through the CLI under client load: the leader removed (it hands over
 * first), a killed node replaced by a new one that joins. The history stays
 * linearizable and no acknowledged write is lost.
 */
describe('membership of a process cluster through the CLI', () => {
  let cluster: ProcessCluster;
  afterAll(async () => {
    await cluster?.close();
  });

  it('3 -> 5 -> 3 under load: joins, leader removal, a killed node replaced', async () => {
    cluster = await ProcessCluster.start(3, ['--tick-ms', '50', '--election-ticks', '20']);
    const admin = (...args: string[]) => runCli([...args, ...cluster.clientArgs()], 60_000);
    const load = await startLoad(cluster.seeds, 31);
    const { client } = load;
    const voters = async () => {
      const list = await admin('member', 'list', '--json');
      expect(list.code, list.stderr).toBe(0);
      const rows = JSON.parse(list.stdout) as { id: string; role: string; address: string | null }[];
      return rows.filter((r) => r.role === 'voter').map((r) => r.id);
    };
    const steps: string[] = [];
    const someLoad = (what: string) => load.progress(what);
    const join = async (id: string) => {
      await cluster.startNode(id, ['--join', cluster.seeds]);
      await waitFor(async () => (await voters()).includes(id), { what: `${id} promoted`, timeoutMs: 30_000 });
      steps.push(`+${id}`);
    };

    // Grow: two new members join (learner, catch up, promoted), existing nodes dial them without a restart.
    await someLoad('before growing');
    await join('n4');
    await join('n5');
    expect((await voters()).sort()).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    await client.refreshMembers();
    await someLoad('with five');
    const five = await liveStatuses(client);
    for (const s of five) expect(s.report!.peers.filter((p) => p.connected).length, s.id).toBe(4);

    // Remove the leader: it hands over, the new leader commits the removal, the old one exits by itself.
    const leader = await agreedLeader(client);
    const removed = await admin('member', 'remove', leader.id);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(
      new RegExp(`${leader.id} removed at index \\d+ \\(leader (?!${leader.id})`),
    );
    expect(await cluster.exited(leader.id)).toBe(0);
    expect(cluster.logs.get(leader.id)!.join('')).toMatch(/was removed from the cluster/);
    cluster.forget(leader.id);
    steps.push(`-${leader.id} (leader)`);
    await someLoad('after removing the leader');

    // A member dies for good: remove it and let a new node take its place.
    const dead = cluster.ids.find((id) => ['n1', 'n2', 'n3'].includes(id))!;
    await cluster.kill9(dead);
    const gone = await admin('member', 'remove', dead);
    expect(gone.code, gone.stderr).toBe(0);
    cluster.forget(dead);
    steps.push(`kill -9 ${dead}, -${dead}`);
    await join('n6');

    // Back to three.
    const current = await agreedLeader(client);
    const extra = cluster.ids.find((id) => id !== 'n6' && id !== current.id)!;
    const shrink = await admin('member', 'remove', extra);
    expect(shrink.code, shrink.stderr).toBe(0);
    expect(await cluster.exited(extra)).toBe(0);
    cluster.forget(extra);
    steps.push(`-${extra}`);
    expect((await voters()).sort()).toEqual([...cluster.ids].sort());
    expect(cluster.ids).toHaveLength(3);
    await client.refreshMembers();
    await someLoad('with the final three');

    const result = await load.finish();
    await converged(client, 3);
    client.close();
    const verdict = await expectNothingLostAndLinearizable(result, cluster.seeds);
    console.log(`membership: ${steps.join(', ')}; final ${cluster.ids.join(',')}; ${verdict}`);
    expect(result.ackedUnique.size).toBeGreaterThan(10);
  }, 150_000);
});
