// @markwylde/liferaft driven in-process as a 3-node cluster (row 8).
//
// liferaft ships no transport: a node's `write(packet, fn)` must deliver a
// packet to the node at `this.address` and call `fn(err, reply)` with its
// answer. Here it hands the packet, JSON round-tripped (the wire form its
// README prescribes), to the target's 'data' handler on the next turn of the
// event loop. Its log is levelup over leveldown (prebuilt binary shipped in the
// npm package), in a temp dir per node; leveldown writes are not fsynced.
//
// Clients call `leader.command(cmd)` and wait for the leader's 'commit' event
// for that command; a client whose command does not commit within
// `commitTimeoutMs` counts it as lost and moves on.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VALUE } from '../fixtures.mjs';
import { sleep } from '../stats.mjs';

const require = createRequire(import.meta.url);

export function loadLiferaft() {
  const Raft = require('@markwylde/liferaft');
  const Log = require('@markwylde/liferaft/log');
  return { Raft, Log, version: require('@markwylde/liferaft/package.json').version };
}

async function startCluster() {
  const { Raft, Log } = loadLiferaft();
  const registry = new Map();
  const errors = { count: 0, last: null };
  class InProcessRaft extends Raft {
    write(packet, fn) {
      const target = registry.get(this.address);
      const wire = JSON.stringify(packet);
      setImmediate(() => {
        if (!target || target.state === Raft.STOPPED) return fn(new Error(`no node ${this.address}`));
        target.emit('data', JSON.parse(wire), (reply) =>
          fn(undefined, reply && JSON.parse(JSON.stringify(reply))),
        );
      });
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'raftkit-bench-liferaft-'));
  const ids = ['l1', 'l2', 'l3'];
  const nodes = ids.map(
    (address) =>
      new InProcessRaft({
        address,
        Log,
        path: join(dir, address),
        'election min': '200 ms',
        'election max': '400 ms',
        heartbeat: '50 ms',
      }),
  );
  for (const n of nodes) {
    registry.set(n.address, n);
    n.on('error', (e) => {
      errors.count++;
      errors.last = e.message;
    });
  }
  for (const n of nodes) for (const other of ids) if (other !== n.address) n.join(other);
  // liferaft commits entries in un-awaited async callbacks (index.js
  // commitEntries), so a write still in flight when a node ends rejects with
  // nobody listening; such rejections from its levelup log are counted here
  // instead of taking the process down.
  const onUnhandled = (reason) => {
    const stack = String(reason?.stack ?? reason);
    if (!/liferaft|levelup|leveldown/.test(stack)) throw reason;
    errors.count++;
    errors.last = String(reason?.message ?? reason);
  };
  process.on('unhandledRejection', onUnhandled);
  const close = async () => {
    await sleep(200); // let replication in flight settle before the logs close
    for (const n of nodes) n.end();
    await sleep(200);
    process.off('unhandledRejection', onUnhandled);
    rmSync(dir, { recursive: true, force: true });
  };
  return { Raft, nodes, errors, close };
}

async function waitForLeader(Raft, nodes, timeoutMs) {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    const leaders = nodes.filter((n) => n.state === Raft.LEADER);
    if (leaders.length === 1) return leaders[0];
    await sleep(20);
  }
  throw new Error(`liferaft elected no single leader within ${timeoutMs} ms`);
}

/**
 * A fresh liferaft cluster with a leader, and `phase(duration, lat)` running
 * `clients` closed-loop clients for `duration` ms (latencies into `lat`, a
 * Samples, when given). close() ends the nodes.
 */
export async function startLiferaftLoad({ clients, commitTimeoutMs = 2000 }) {
  const { Raft, nodes, errors, close } = await startCluster();
  let leader;
  try {
    leader = await waitForLeader(Raft, nodes, 10_000);
  } catch (e) {
    await close();
    throw e;
  }
  const waiting = new Map(); // command id -> resolve
  leader.on('commit', (cmd) => {
    const w = waiting.get(cmd?.id);
    if (w) {
      waiting.delete(cmd.id);
      w();
    }
  });
  let seq = 0;
  const phase = async (duration, lat = null) => {
    let committed = 0;
    let lost = 0;
    const t0 = performance.now();
    const end = t0 + duration;
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        while (performance.now() < end) {
          const id = `${c}:${++seq}`;
          const s = performance.now();
          let timer;
          const done = new Promise((resolve) => {
            waiting.set(id, () => resolve(true));
            timer = setTimeout(() => resolve(false), commitTimeoutMs);
          });
          try {
            await leader.command({ id, key: `k${c}`, value: VALUE });
          } catch (e) {
            clearTimeout(timer);
            waiting.delete(id);
            throw new Error(`liferaft command failed: ${e.message}`);
          }
          const ok = await done;
          clearTimeout(timer);
          if (ok) {
            committed++;
            if (lat) lat.push(performance.now() - s);
          } else {
            waiting.delete(id);
            lost++;
          }
        }
      }),
    );
    return { committed, lost, seconds: (performance.now() - t0) / 1000 };
  };
  return {
    phase,
    status: () => ({
      errors: errors.count,
      lastError: errors.last,
      leaderStillLeads: leader.state === Raft.LEADER,
    }),
    close,
  };
}
