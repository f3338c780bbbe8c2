import { afterAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../src/index.js';
import { SECRET } from './support/cluster.js';
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
    // Small snapshots: a newcomer catches up from a compacted log, by snapshot.
    const args = [
      '--tick-ms',
      '25',
      '--election-ticks',
      '20',
      '--snapshot-entries',
      '50',
      '--snapshot-catch-up-entries',
      '10',
    ];
    cluster = await ProcessCluster.start(3, args);
    const admin = (...args: string[]) => runCli([...args, ...cluster.clientArgs()], 60_000);
    const load = await startLoad(cluster.seeds, 31);
    const { client } = load;
    // Polled through an in-process AdminClient (a CLI process per poll costs seconds on a loaded box);
    // `member list` itself is checked through the CLI once, below.
    // A --join node that reaches no member never forms a cluster of its own: it exits with the reason.
    const lonely = await runCli([
      'node',
      '--id',
      'x1',
      '--listen',
      '127.0.0.1:0',
      '--join',
      '127.0.0.1:1',
      '--data',
      `${cluster.dir}/x1`,
      '--secret-file',
      cluster.secretFile,
      '--cluster-id',
      'test',
    ]);
    expect(lonely.code).toBe(2);
    expect(lonely.stderr).toMatch(/^error: /);
    const operator = await AdminClient.connect({ cluster: cluster.seeds, secret: SECRET, clusterId: 'test' });
    const voters = async () => (await operator.members()).filter((r) => r.role === 'voter').map((r) => r.id);
    const steps: string[] = [];
    let mark = performance.now();
    const lap = () => {
      const ms = Math.round(performance.now() - mark);
      mark = performance.now();
      return `${ms}ms`;
    };
    const someLoad = (what: string) => load.progress(what);
    const join = async (id: string, flags: string[] = []) => {
      await cluster.startNode(id, ['--join', cluster.seeds, ...flags]);
      const learner = flags.includes('--learner');
      const listed = async () =>
        (await operator.members()).some((r) => r.id === id && r.role === (learner ? 'learner' : 'voter'));
      await waitFor(listed, {
        what: `${id} ${learner ? 'added' : 'promoted'}`,
        timeoutMs: 30_000,
      }).catch((e) => {
        // What each node said, to tell a slow catch-up from a failed join.
        for (const [n, l] of cluster.logs) console.log(`=== ${n}\n${l.join('').slice(-3000)}`);
        throw e;
      });
      steps.push(`+${id} ${lap()}`);
    };

    // Grow: n4 added by address first (a learner the operator promotes, or that promotes itself once it
    // runs with --join); a learner that never catches up is refused promotion with the typed reason.
    await someLoad('before growing');
    await cluster.reserve('n4');
    // Not running yet: added as a learner, and the promotion left to the node once it runs.
    const added = await admin('member', 'add', 'n4', '--address', cluster.address('n4'));
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(
      /^n4 added as a learner at index \d+ \(leader n\d; voters n1,n2,n3; learners n4\)\nn4 is not catching up \(not running yet\?\)/m,
    );
    const early = await runCli(['member', 'promote', 'n4', '--timeout-ms', '1500', ...cluster.clientArgs()]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/^error: learnerNotCaughtUp: /);
    await join('n4');
    // n5 joins on its own (no member add) and stays a learner (--learner) until the operator promotes it.
    await join('n5', ['--learner']);
    const promoted = await admin('member', 'promote', 'n5');
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toMatch(/^n5 promoted to voter at index \d+/);
    const list = await admin('member', 'list', '--json');
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as { id: string; role: string; address: string; match: number }[];
    expect(rows.map((r) => `${r.id}:${r.role}`)).toEqual(
      ['n1', 'n2', 'n3', 'n4', 'n5'].map((id) => `${id}:voter`),
    );
    for (const r of rows) expect(r.address).toBe(cluster.address(r.id));
    await client.refreshMembers();
    await someLoad('with five');
    // Every node has a link up to each of the four others (the newcomers dialled without a restart).
    await waitFor(
      async () => {
        const five = await liveStatuses(client);
        return (
          five.length === 5 && five.every((s) => s.report!.peers.filter((p) => p.connected).length === 4)
        );
      },
      { what: 'a full mesh of five' },
    );
    // The committed configuration carries each newcomer's address and binds its store's incarnation.
    const mesh = await liveStatuses(client);
    const leaderConf = mesh.find((s) => s.report!.node!.role === 'leader')!.report!.node!.conf;
    for (const id of ['n4', 'n5']) {
      expect(leaderConf.addresses?.[id], id).toBe(cluster.address(id));
      const incarnation = mesh.find((s) => s.id === id)!.report!.node!.incarnation;
      expect(incarnation, id).toBeGreaterThan(0);
      expect(leaderConf.incarnations?.[id], id).toBe(incarnation);
    }

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
    steps.push(`-${leader.id} (leader) ${lap()}`);
    await someLoad('after removing the leader');

    // A member dies for good: remove it and let a new node take its place.
    const dead = cluster.ids.find((id) => ['n1', 'n2', 'n3'].includes(id))!;
    await cluster.kill9(dead);
    const gone = await admin('member', 'remove', dead);
    expect(gone.code, gone.stderr).toBe(0);
    cluster.forget(dead);
    steps.push(`kill -9 ${dead}, -${dead} ${lap()}`);
    await join('n6');
    // n6 came after many compactions: it caught up from the leader's snapshot.
    const n6 = await waitFor(
      async () => {
        await client.refreshMembers();
        return (await liveStatuses(client)).find((s) => s.id === 'n6')?.report?.node;
      },
      { what: 'the status of n6' },
    );
    expect(n6.snapshots.installed).toBeGreaterThan(0);

    // Back to three.
    const current = await agreedLeader(client);
    const extra = cluster.ids.find((id) => id !== 'n6' && id !== current.id)!;
    const shrink = await admin('member', 'remove', extra);
    expect(shrink.code, shrink.stderr).toBe(0);
    expect(await cluster.exited(extra)).toBe(0);
    cluster.forget(extra);
    steps.push(`-${extra} ${lap()}`);
    expect((await voters()).sort()).toEqual([...cluster.ids].sort());
    expect(cluster.ids).toHaveLength(3);
    await client.refreshMembers();
    await someLoad('with the final three');

    const result = await load.finish();
    operator.close();
    await converged(client, 3);
    client.close();
    const verdict = await expectNothingLostAndLinearizable(result, cluster.seeds);
    console.log(`membership: ${steps.join(', ')}; final ${cluster.ids.join(',')}; ${verdict}`);
    expect(result.ackedUnique.size).toBeGreaterThan(10);
  }, 150_000);
});
