/**
 * The scenario's checks can fail: with CheckQuorum switched off, an isolated
 * leader never steps down, and the scenario says so instead of passing.
 */

import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ControlService } from '../src/control.js';
import { DemoHub } from '../src/hub.js';
import { runScenario } from '../src/scenario.js';
import { Narrator, Terminal } from '../src/terminal.js';
import { ThreadCluster } from '../src/thread-cluster.js';

describe('the scenario on a cluster without CheckQuorum', () => {
  let cluster: ThreadCluster | null = null;
  afterAll(async () => {
    await cluster?.close();
  });

  it('reports that the isolated leader did not step down, heals, and ends', async () => {
    const hub = new DemoHub({ nodeIds: ['n1', 'n2', 'n3'] });
    cluster = await ThreadCluster.start(hub, {
      nodes: 3,
      seed: 5,
      raft: { checkQuorum: false },
      extra: { storage: 'memory' },
    });
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        text += chunk;
        done();
      },
    });
    const result = await runScenario({
      cluster,
      hub,
      control: new ControlService(cluster, hub),
      narrator: new Narrator(new Terminal(sink), hub),
      durationMs: 1000,
      startWorkload: () => {},
    });
    const failed = result.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed.some((n) => / steps down$/.test(n))).toBe(true);
    expect(result.aborted).toMatch(/steps down: not within \d+ ms/);
    expect(text).toContain('✗');
    expect(hub.getFaults()).toMatchObject({ isolated: [], partition: null }); // healed on the way out
  }, 60_000);
});
