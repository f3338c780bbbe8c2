import { afterEach, describe, expect, it } from 'vitest';
import type { NodeId, TransitionEvent } from '../src/index.js';
import { waitFor } from '../src/wait-for.js';
import { closeClusters, startCluster } from './cluster-helpers.js';

afterEach(closeClusters);

describe('leader priority', () => {
  it('the higher-priority node of 5 takes leadership from another first leader and keeps it through a restart of another node', async () => {
    const favourite: NodeId = 'n4';
    // 450 ms election timeout: the "no election through a restart" check below must not trip over a
    // loaded machine's stall while the restarted worker loads.
    const cluster = await startCluster({
      nodes: 5,
      priorities: { [favourite]: 3 },
      seed: 7,
      start: false,
      electionTicks: 30,
    });
    const transitions: TransitionEvent[] = [];
    cluster.events.on('transition', (t) => transitions.push(t));
    // Cut the favourite off before any tick, so the first leader is certainly another node
    // (whatever the seed or the timing): only the priority transfer can make it lead later.
    cluster.isolate(favourite);
    await cluster.start();
    const first = await cluster.waitForLeader({ exclude: [favourite], timeoutMs: 10_000 });
    const firstElected = transitions.find((t) => t.to === 'leader');
    expect(firstElected?.node).toBe(first);
    expect(first).not.toBe(favourite);

    cluster.heal();
    await waitFor(
      async () => {
        const st = await cluster.node(favourite).status();
        return st.role === 'leader' && (await cluster.waitForLeader({ timeoutMs: 2000 })) === favourite;
      },
      { timeoutMs: 10_000, what: `${favourite} leading` },
    );
    // The first leader handed over (stepped down) and the favourite became leader after that.
    const firstSteppedDown = transitions.findIndex((t) => t.node === first && t.from === 'leader');
    const favouriteElected = transitions.findIndex((t) => t.node === favourite && t.to === 'leader');
    expect(firstSteppedDown).toBeGreaterThanOrEqual(0);
    expect(favouriteElected).toBeGreaterThan(transitions.indexOf(firstElected as TransitionEvent));
    const status = await cluster.node(favourite).status();
    expect(status.priority).toBe(3);
    const termBefore = status.term;

    const seen = transitions.length;
    const other: NodeId = [...cluster.ids].find((id) => id !== favourite && id !== first) as NodeId;
    await cluster.kill(other);
    await cluster.restart(other);
    await waitFor(async () => (await cluster.node(other).status()).leader === favourite, {
      timeoutMs: 10_000,
      what: `${other} following ${favourite} again`,
    });
    expect(await cluster.waitForLeader()).toBe(favourite);
    const after = await cluster.node(favourite).status();
    expect(after.term).toBe(termBefore);
    expect(transitions.slice(seen).filter((t) => t.node === favourite && t.from === 'leader')).toEqual([]);
  });
});

describe("timeouts: 'adaptive'", () => {
  it('elects, survives leader isolation and shows the adapted values in status', async () => {
    const cluster = await startCluster({
      nodes: 3,
      storage: 'memory',
      timeouts: 'adaptive',
      electionTicks: 10,
      minElectionTicks: 6,
      maxElectionTicks: 40,
    });
    const first = await cluster.waitForLeader();
    // Followers measure heartbeat inter-arrival times; with 8+ samples their T follows the network.
    const adapted = await waitFor(
      async () => {
        const sts = await Promise.all(cluster.ids.map((id) => cluster.node(id).status()));
        // (Health is read in the same status: a follower marks a leader suspect after 2 silent ticks, so
        // one late heartbeat on a busy machine must not fail the test.)
        const f = sts.find(
          (s) =>
            s.role === 'follower' &&
            s.timeouts.electionTicks !== 10 &&
            s.liveness.find((l) => l.id === s.leader)?.health === 'healthy',
        );
        return f ?? null;
      },
      { timeoutMs: 10_000, what: 'an adapted follower timeout' },
    );
    expect(adapted.timeouts.mode).toBe('adaptive');
    expect(adapted.timeouts.electionTicks).toBeGreaterThanOrEqual(6);
    expect(adapted.timeouts.electionTicks).toBeLessThanOrEqual(40);
    const live = adapted.liveness.find((l) => l.id === adapted.leader);
    expect(live?.rtt?.count).toBeGreaterThanOrEqual(8);
    expect(live?.health).toBe('healthy');
    expect(live?.lastContactAgoMs).not.toBeNull();

    cluster.isolate(first);
    const second = await cluster.waitForLeader({ exclude: [first], timeoutMs: 10_000 });
    expect(second).not.toBe(first);
    const leaderStatus = await cluster.node(second).status();
    expect(leaderStatus.liveness.find((l) => l.id === first)?.health).not.toBe('healthy');
    cluster.heal();
    await cluster.client().put('after', 'heal');
    expect((await cluster.node(second).status()).timeouts.mode).toBe('adaptive');
  });
});
