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
 * Every node of a 3-process cluster restarted in turn (SIGTERM, start again)
 * under client load: a leader hands over before it exits, so each restart
 * costs at most one election, and no acknowledged write is lost.
 */
describe('rolling restart of node processes', () => {
  let cluster: ProcessCluster;
  afterAll(async () => {
    await cluster?.close();
  });

  it('restarts every node under load: nothing acknowledged lost, at most one election per restart', async () => {
    cluster = await ProcessCluster.start(3, ['--tick-ms', '50', '--election-ticks', '20']);
    const load = await startLoad(cluster.seeds, 23);
    const { client } = load;
    // Leadership moved by the CLI first: the restart order below is then known to end with the leader.
    const before = await agreedLeader(client);
    const target = cluster.ids.find((id) => id !== before.id)!;
    const moved = await runCli(['transfer-leader', '--to', target, ...cluster.clientArgs()]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toBe(`${target} is the leader\n`);
    const first = await agreedLeader(client);
    expect(first.id).toBe(target);
    const steps: string[] = [];
    // The leader last, so one restart is a leader's (handover) and the others followers'.
    const order = [...cluster.ids.filter((id) => id !== first.id), first.id];
    for (const id of order) {
      await load.progress(`before restarting ${id}`, 15);
      const wasLeader =
        (await liveStatuses(client)).find((s) => s.id === id)?.report?.node?.role === 'leader';
      expect(await cluster.stop(id)).toBe(0);
      const log = cluster.logs.get(id)!.join('');
      if (wasLeader) expect(log).toMatch(new RegExp(`${id} handed leadership to n\\d`));
      // Restarted with --join (as a supervisor might start every node): its data dir holds a node, so
      // the node says it ignores --join and comes back as itself.
      await cluster.startNode(id, ['--join', cluster.seeds]);
      await waitFor(
        () => /already holds node n\d of a cluster: ignoring --join/.test(cluster.logs.get(id)!.join('')),
        {
          what: `${id} to say it ignores --join`,
        },
      );
      // Back and caught up with the others before the next one goes.
      await waitFor(
        async () => {
          const st = await liveStatuses(client);
          const me = st.find((s) => s.id === id)?.report?.node;
          const leader = st.find((s) => s.report!.node!.role === 'leader')?.report?.node;
          return me && leader && me.leader === leader.id && me.appliedIndex >= leader.commitIndex - 5;
        },
        { what: `${id} to catch up after its restart`, timeoutMs: 30_000 },
      );
      steps.push(`${id}${wasLeader ? ' (leader)' : ''}`);
    }
    await load.progress('after the last restart', 15);
    const result = await load.finish();
    const final = await agreedLeader(client);
    await converged(client, 3);
    client.close();
    const verdict = await expectNothingLostAndLinearizable(result, cluster.seeds);
    // Each election raises the term by one: three restarts, at most three elections (the transfer aside).
    const elections = final.term - first.term;
    console.log(
      `rolling restart: ${steps.join(', ')}; ${elections} election(s) (term ${first.term} -> ${final.term}); ${verdict}`,
    );
    expect(elections).toBeGreaterThanOrEqual(1);
    expect(elections).toBeLessThanOrEqual(order.length);
    expect(result.ackedUnique.size).toBeGreaterThan(5);
  }, 120_000);
});
