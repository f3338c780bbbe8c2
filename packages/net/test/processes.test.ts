import { checkOperations, formatCheckResult, kvModel, kvOperations } from '@raftkit/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftClient } from '../src/index.js';
import { SECRET } from './support/cluster.js';
import { agreedLeader, liveStatuses } from './support/process-checks.js';
import { ProcessCluster, runCli } from './support/processes.js';
import { waitFor } from './support/wait.js';
import { runWorkload } from './support/workload.js';

/**
 * Three `raftkit node` OS processes on loopback, driven through the CLI and
 * through RaftClient over TCP. The steps build on each other (one cluster).
 */
describe('three node processes', () => {
  let cluster: ProcessCluster;
  let client: RaftClient;

  const statuses = () => liveStatuses(client);
  const leaderOf = (exclude: string[] = []) => agreedLeader(client, exclude);

  beforeAll(async () => {
    cluster = await ProcessCluster.start(3, ['--tick-ms', '50', '--election-ticks', '20']);
    client = await RaftClient.connect({ cluster: cluster.seeds, secret: SECRET, clusterId: 'test' });
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await cluster?.close();
  });

  it('elects a leader and replicates through the CLI from any node', async () => {
    await leaderOf(); // a leader exists before the first command
    const [a, b, c] = cluster.ids;
    const put = await runCli(['put', 'greeting', 'hello world', ...cluster.clientArgs(cluster.address(a))]);
    expect(put, put.stderr).toMatchObject({ code: 0 });
    const get = await runCli(['get', 'greeting', ...cluster.clientArgs(cluster.address(b))]);
    expect(get).toMatchObject({ code: 0, stdout: 'hello world\n' });
    const absent = await runCli(['get', 'nothing-here', ...cluster.clientArgs(cluster.address(c))]);
    expect(absent).toMatchObject({ code: 1, stdout: '' });
    const swapped = await runCli([
      'cas',
      'greeting',
      'hello world',
      'bye',
      ...cluster.clientArgs(cluster.address(c)),
    ]);
    expect(swapped.code).toBe(0);
    const notSwapped = await runCli(['cas', 'greeting', 'hello world', 'again', ...cluster.clientArgs()]);
    expect(notSwapped.code).toBe(1);
    const json = await runCli(['get', 'greeting', '--json', ...cluster.clientArgs()]);
    expect(JSON.parse(json.stdout)).toEqual({ key: 'greeting', found: true, value: 'bye' });
    const del = await runCli(['delete', 'greeting', ...cluster.clientArgs()]);
    expect(del.code).toBe(0);
    expect((await runCli(['get', 'greeting', ...cluster.clientArgs()])).code).toBe(1);

    // append: an absent key starts empty; the suffix is concatenated, through any node.
    const first = await runCli(['append', 'journal', 'one,', ...cluster.clientArgs(cluster.address(b))]);
    expect(first, first.stderr).toMatchObject({ code: 0, stdout: 'OK\n' });
    const second = await runCli([
      'append',
      'journal',
      'two words',
      '--json',
      ...cluster.clientArgs(cluster.address(c)),
    ]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ ok: true, key: 'journal' });
    const appended = await runCli(['get', 'journal', ...cluster.clientArgs(cluster.address(a))]);
    expect(appended).toMatchObject({ code: 0, stdout: 'one,two words\n' });
    expect(await client.get('journal')).toBe('one,two words');

    const status = await runCli(['status', ...cluster.clientArgs()]);
    expect(status.code).toBe(0);
    // One node is shown leading (on a loaded machine it may no longer be the first leader).
    expect(status.stdout).toMatch(/^n\d\s+127\.0\.0\.1:\d+\s+leader\s+\d+\s/m);
    for (const id of cluster.ids) expect(status.stdout).toMatch(new RegExp(`^${id}\\s`, 'm'));
    expect(status.stdout).toMatch(/FROM\s+TO\s+HEALTH/);

    // Errors: stderr and exit code 2.
    const badArgs = await runCli(['put', 'onlykey', ...cluster.clientArgs()]);
    expect(badArgs.code).toBe(2);
    expect(badArgs.stderr).toMatch(/put takes 2 argument/);
    const badAppend = await runCli(['append', 'onlykey', ...cluster.clientArgs()]);
    expect(badAppend.code).toBe(2);
    expect(badAppend.stderr).toMatch(/append takes 2 argument/);
    const wrongSecretFile = `${cluster.dir}/wrong-secret`;
    (await import('node:fs')).writeFileSync(wrongSecretFile, 'definitely-not-the-secret\n');
    const wrong = await runCli([
      'get',
      'x',
      '--cluster',
      cluster.seeds,
      '--secret-file',
      wrongSecretFile,
      '--cluster-id',
      'test',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/badAuth|does not verify/);
    const down = await runCli(['get', 'x', '--cluster', '127.0.0.1:1', '--secret-file', cluster.secretFile]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^error: /);
  });

  it('kill -9 of the leader: a new leader, the client follows; the restarted node catches up; no acknowledged write lost; the concurrent history is linearizable', async () => {
    const first = await leaderOf();
    const clients = await Promise.all(
      Array.from({ length: 4 }, () =>
        RaftClient.connect({
          cluster: cluster.seeds,
          secret: SECRET,
          clusterId: 'test',
          timeoutMs: 4000,
          attemptTimeoutMs: 1000,
        }),
      ),
    );
    let phase = 'before';
    const log: string[] = [];
    const workload = runWorkload(clients, () => phase === 'done', { seed: 7 });
    const committedBefore = async () =>
      (await statuses()).find((s) => s.id === first.id)?.report?.node?.commitIndex ?? 0;
    await waitFor(async () => (await committedBefore()) > 30, {
      what: 'some writes before the kill',
      timeoutMs: 20_000,
    });

    await cluster.kill9(first.id);
    log.push(`killed leader ${first.id} (term ${first.term})`);
    const second = await leaderOf([first.id]);
    log.push(`new leader ${second.id} term ${second.term}`);
    expect(second.id).not.toBe(first.id);
    expect(second.term).toBeGreaterThan(first.term);
    // The CLI, given every address (one of them dead), follows to the new leader.
    const cli = await runCli(['put', 'after-failover', 'yes', ...cluster.clientArgs()]);
    expect(cli, cli.stderr).toMatchObject({ code: 0 });
    const progress = async () =>
      (await statuses()).find((s) => s.id === second.id)?.report?.node?.commitIndex ?? 0;
    const atFailover = await progress();
    await waitFor(async () => (await progress()) > atFailover + 30, { what: 'writes under the new leader' });

    await cluster.startNode(first.id);
    log.push(`restarted ${first.id}`);
    await waitFor(
      async () => {
        const st = await statuses();
        const leader = st.find((s) => s.id === second.id)?.report?.node;
        const back = st.find((s) => s.id === first.id)?.report?.node;
        return leader && back && back.leader === leader.id && back.appliedIndex >= leader.commitIndex - 5;
      },
      { what: `${first.id} rejoins and catches up`, timeoutMs: 30_000 },
    );
    // Keep the clients going with all three nodes back before ending the history.
    const atRejoin = await progress();
    await waitFor(async () => (await progress()) > atRejoin + 30, { what: 'writes after the rejoin' });
    phase = 'done';
    const result = await workload;
    for (const c of clients) c.close();

    // Converged: every node applied the same state.
    const final = await waitFor(
      async () => {
        const st = await statuses();
        if (st.length !== 3) return null;
        const marks = new Set(st.map((s) => `${s.report!.node!.appliedIndex}:${s.report!.node!.stateHash}`));
        return marks.size === 1 ? st : null;
      },
      { what: 'all three nodes converge', timeoutMs: 20_000 },
    );
    expect(final.find((s) => s.id === first.id)!.report!.node!.epoch).toBe(1);

    // No acknowledged write lost: every acknowledged unique put is there (read through the leader).
    const checker = await RaftClient.connect({ cluster: cluster.seeds, secret: SECRET, clusterId: 'test' });
    try {
      for (const [key, value] of result.ackedUnique) expect(await checker.get(key)).toBe(value);
      expect(await checker.get('after-failover')).toBe('yes');
    } finally {
      checker.close();
    }

    const check = checkOperations(kvModel, kvOperations(result.ops), { budgetMs: 60_000 });
    console.log(
      `processes: ${result.ops.length} ops (ok ${result.ok}, info ${result.info}, failed reads ${result.fail}), ` +
        `${result.ackedUnique.size} unique acked puts; ${log.join('; ')}; checker: ${check.verdict}`,
    );
    if (check.verdict !== 'linearizable') console.log(formatCheckResult(check));
    expect(check.verdict).toBe('linearizable');
    // The check can fail: the same history with one read falsified is rejected.
    const readAt = result.ops.findIndex((o) => o.kind === 'get' && o.status === 'ok');
    const forged = result.ops.map((o, i) =>
      i === readAt ? { ...o, output: { value: 'never-written' } } : o,
    );
    expect(checkOperations(kvModel, kvOperations(forged), { budgetMs: 60_000 }).verdict).toBe(
      'nonLinearizable',
    );
    expect(result.ok).toBeGreaterThan(100);
    expect(result.ackedUnique.size).toBeGreaterThan(10);
  });

  it('a SIGSTOPped follower rejoins after SIGCONT without deposing the healthy leader (Pre-Vote across processes)', async () => {
    const leader = await leaderOf();
    const follower = cluster.ids.find((id) => id !== leader.id)!;
    const healthOf = async () =>
      (await client.status()).find((s) => s.id === leader.id)?.report?.peers.find((p) => p.id === follower)
        ?.health;
    cluster.signal(follower, 'SIGSTOP');
    try {
      // Stopped for far longer than an election timeout (1-2 s): until the leader sees it down on both channels.
      await waitFor(async () => (await healthOf()) === 'down', {
        what: `${leader.id} sees ${follower} down`,
        timeoutMs: 20_000,
      });
      // The majority keeps committing meanwhile.
      for (let i = 0; i < 10; i++) await client.put(`during-stop-${i}`, `${i}`);
    } finally {
      cluster.signal(follower, 'SIGCONT');
    }
    const back = await waitFor(
      async () => {
        const st = await statuses();
        const l = st.find((s) => s.id === leader.id)?.report?.node;
        const f = st.find((s) => s.id === follower)?.report?.node;
        return l && f && f.leader === leader.id && f.appliedIndex >= l.commitIndex ? { l, f } : null;
      },
      { what: `${follower} rejoins`, timeoutMs: 20_000 },
    );
    // The leader was never deposed: same leader, same term, on every node.
    expect(back.l.role).toBe('leader');
    expect(back.l.term).toBe(leader.term);
    expect(back.f.term).toBe(leader.term);
    await waitFor(async () => (await healthOf()) === 'healthy', { what: 'healthy again' });
    expect(await client.get('during-stop-9')).toBe('9');
  });

  it('stops gracefully on SIGTERM (exit 0) and restarts from its data', async () => {
    const leader = await leaderOf();
    const follower = cluster.ids.find((id) => id !== leader.id)!;
    const epoch = (await statuses()).find((s) => s.id === follower)!.report!.node!.epoch;
    expect(await cluster.stop(follower)).toBe(0);
    expect(cluster.logs.get(follower)!.join('')).toMatch(/received SIGTERM, stopping/);
    await client.put('after-sigterm', '1');
    await cluster.startNode(follower);
    let seen = '';
    await waitFor(
      async () => {
        const st = await statuses();
        seen = JSON.stringify(st.map((s) => ({ id: s.id, ...pick(s.report!.node!) })));
        const f = st.find((s) => s.id === follower)?.report?.node;
        const l = st.find((s) => s.report?.node?.role === 'leader')?.report?.node;
        return f && l && f.leader === l.id && f.epoch === epoch + 1 && f.appliedIndex >= l.commitIndex;
      },
      { what: `${follower} back (last seen ${seen})`, timeoutMs: 20_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last seen: ${seen}`);
    });
    expect(await client.get('after-sigterm')).toBe('1');
  });
});

function pick(n: {
  role: string;
  term: number;
  leader: string | null;
  commitIndex: number;
  appliedIndex: number;
  epoch: number;
}) {
  return {
    role: n.role,
    term: n.term,
    leader: n.leader,
    commit: n.commitIndex,
    applied: n.appliedIndex,
    epoch: n.epoch,
  };
}
