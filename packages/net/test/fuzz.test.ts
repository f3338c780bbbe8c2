import { afterEach, describe, expect, it } from 'vitest';
import { RaftClient } from '../src/index.js';
import { fuzzListener } from '../src/testing/listener-fuzz.js';
import { SECRET } from './support/cluster.js';
import { InProcessCluster } from './support/nodes.js';
import { waitFor } from './support/wait.js';

const FRAMES = 5000;
let cluster: InProcessCluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

describe('listener fuzz', () => {
  it(`${FRAMES} random and mutated frames plus bad credentials and slow-loris: every bad connection closed and counted, the cluster keeps committing`, async () => {
    cluster = await InProcessCluster.start(3);
    const leader = await cluster.leader();
    const target = cluster.nodes.get(leader)!; // fuzz the leader: the node the cluster depends on most
    const addr = target.address;
    const client = await RaftClient.connect({ cluster: cluster.seeds, secret: SECRET, clusterId: 'test' });
    const before = {
      conns: target.metrics.count('rejectedConnections'),
      frames: target.metrics.count('rejectedFrames'),
    };
    const heapBefore = process.memoryUsage().heapUsed;

    // A writer commits throughout the fuzz; every acknowledged write must be readable afterwards.
    let fuzzing = true;
    const acked: string[] = [];
    const writer = (async () => {
      for (let i = 0; fuzzing; i++) {
        await client.put(`w${i}`, `v${i}`);
        acked.push(`w${i}`);
      }
    })();

    const report = await fuzzListener({
      host: addr.host,
      port: addr.port,
      secret: SECRET,
      clusterId: 'test',
      frames: FRAMES,
      seed: 20240611,
      concurrency: 16,
      slowLoris: 3,
      reactionMs: 150,
    });
    fuzzing = false;
    await writer;

    console.log(
      `fuzz: ${report.frames} frames on ${report.connections} connections in ${Math.round(report.durationMs)} ms; ` +
        `closed by server ${report.closedByServer}, abandoned handshakes ${report.endedInHandshake}; ` +
        `reject reasons ${JSON.stringify(report.rejectReasons)}; writes during fuzz ${acked.length}`,
    );
    expect(report.frames).toBeGreaterThanOrEqual(FRAMES);
    expect(report.connectErrors, report.errorSamples.join('; ')).toBe(0);
    // Every connection that could not be good was closed by the server (or abandoned by us in the handshake).
    for (const c of [
      'randomBytes',
      'mutatedHello',
      'wrongSecret',
      'wrongCluster',
      'unknownNode',
      'versionMismatch',
      'forgedAuth',
      'oversized',
      'slowLoris',
    ]) {
      const s = report.byCase[c];
      expect(s, c).toBeDefined();
      expect(s.closedByServer + s.endedInHandshake, c).toBe(s.connections);
    }
    for (const c of [
      'wrongCluster',
      'unknownNode',
      'versionMismatch',
      'forgedAuth',
      'oversized',
      'slowLoris',
    ]) {
      expect(report.byCase[c].closedByServer, c).toBe(report.byCase[c].connections);
    }
    // ...and each of those was counted exactly once by the node.
    const counted =
      target.metrics.count('rejectedConnections') -
      before.conns +
      (target.metrics.count('rejectedFrames') - before.frames);
    expect(counted).toBe(report.closedByServer + report.endedInHandshake);
    expect(target.metrics.count('rejectedConnections', { reason: 'handshakeTimeout' })).toBe(3);
    // Authenticated garbage was answered or rejected, never crashed anything.
    expect(report.byCase.authedGarbage.closedByServer).toBeGreaterThan(0);

    // The cluster kept committing through the fuzz, and nothing acknowledged was lost.
    expect(acked.length).toBeGreaterThan(20);
    for (const key of acked.filter((_, i) => i % 7 === 0))
      expect(await client.get(key)).toBe(`v${key.slice(1)}`);
    expect(cluster.nodes.get(leader)!.actor.running).toBe(true);
    // No connection lingers on the node: the fuzzer's last sockets may still be closing on the server
    // side when it returns, so wait (with a deadline) for the count to settle at our one client.
    await waitFor(() => target.transport.clientCount <= 1, {
      timeoutMs: 10_000,
      what: `fuzz connections to close (open: ${target.transport.clientCount})`,
    });
    // Memory stays bounded (GC timing varies: a generous bound that a per-connection leak would blow).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
    client.close();
  });
});
