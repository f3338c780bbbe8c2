// @markwylde/liferaft driven in-process as a 3-node cluster (row 8).
//
// liferaft ships no transport: a node's `write(packet, fn)` must deliver a
// packet to the node at `this.address` and call `fn(err, reply)` with its
// answer. Here it hands the packet, JSON round-tripped (the wire form its
// README prescribes), to the target's 'data' handler on the next turn of the
// event loop. Its log is levelup over leveldown (prebuilt binary shipped in the
// npm package), in a temp dir per node; leveldown writes are not fsynced.
//
// Clients call `command(cmd)` on the node that leads at that moment (retrying
// one that comes back NOTLEADER against the new leader) and wait for that
// node's 'commit' event for the command; a client whose command does not
// commit within `commitTimeoutMs` counts it as lost and moves on. Commands are
// handed to liferaft one at a time (its command() is not safe to call
// concurrently, see `serialized` below); the commits are awaited concurrently.
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

/** Retries of one command that came back NOTLEADER, each after re-resolving the leader. */
const NOT_LEADER_RETRIES = 8;
/** Backoff before retry k: min(RETRY_BASE_MS * 2^k, RETRY_MAX_MS). */
const RETRY_BASE_MS = 10;
const RETRY_MAX_MS = 160;
/** How long a command waits for some node to lead (an election takes 200-400 ms here). */
const LEADER_WAIT_MS = 5000;

/**
 * The node that leads now: the `hint` (a NOTLEADER error's leaderAddress) when
 * it leads, else the leader of the highest term (a deposed leader may not have
 * heard of the new term yet); null during an election.
 */
function currentLeader(Raft, nodes, hint) {
  const leaders = nodes.filter((n) => n.state === Raft.LEADER);
  const hinted = hint && leaders.find((n) => n.address === hint);
  if (hinted) return hinted;
  let best = null;
  for (const n of leaders) if (!best || n.term > best.term) best = n;
  return best;
}

async function waitForLeader(Raft, nodes, timeoutMs, hint = null) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const leader = currentLeader(Raft, nodes, hint);
    if (leader) return leader;
    if (performance.now() >= end) throw new Error(`liferaft had no leader for ${timeoutMs} ms`);
    await sleep(10);
  }
}

/**
 * A fresh liferaft cluster with a leader, and `phase(duration, lat)` running
 * `clients` closed-loop clients for `duration` ms (latencies into `lat`, a
 * Samples, when given). close() ends the nodes.
 *
 * Each command goes to the node that leads at that moment; one that comes back
 * NOTLEADER (the leader stepped down between the look-up and the call) is
 * retried, at most NOT_LEADER_RETRIES times with a short backoff, against the
 * leader looked up again. Its latency includes the retries.
 */
export async function startLiferaftLoad({ clients, commitTimeoutMs = 2000 }) {
  const { Raft, nodes, errors, close } = await startCluster();
  let firstLeader;
  try {
    firstLeader = await waitForLeader(Raft, nodes, 10_000);
  } catch (e) {
    await close();
    throw e;
  }
  const counts = { notLeaderRetries: 0, leaderChanges: 0 };
  let lastLeader = firstLeader;
  // command id -> { node, resolve }: the command commits when the node it was
  // sent to emits 'commit' for it (that node commits it as leader, or later as
  // a follower once it learns the commit index from the next leader).
  const waiting = new Map();
  for (const node of nodes) {
    node.on('commit', (cmd) => {
      const w = waiting.get(cmd?.id);
      if (w && w.node === node) {
        waiting.delete(cmd.id);
        w.resolve(true);
      }
    });
  }
  // liferaft's command() reads the last log index and then writes the entry at
  // index + 1, both asynchronously; two calls in flight on one node take the
  // same index and the later write overwrites the earlier entry, which then
  // never commits. So commands are handed to liferaft one at a time (each call
  // returns once the entry is in the leader's log and sent to the followers);
  // the clients still wait for their commits concurrently.
  let submissions = Promise.resolve();
  const serialized = (fn) => {
    const run = submissions.then(fn);
    submissions = run.catch(() => {});
    return run;
  };

  /** Hands `cmd` to the current leader; returns the node that took it. */
  const submit = async (cmd) => {
    let hint = null;
    for (let retry = 0; ; retry++) {
      const node = await waitForLeader(Raft, nodes, LEADER_WAIT_MS, hint);
      if (node !== lastLeader) {
        counts.leaderChanges++;
        lastLeader = node;
      }
      try {
        await serialized(() => node.command(cmd));
        return node;
      } catch (e) {
        if (e?.message !== 'NOTLEADER') throw new Error(`liferaft command failed: ${e?.message ?? e}`);
        if (retry >= NOT_LEADER_RETRIES) {
          throw new Error(`liferaft command failed: NOTLEADER after ${NOT_LEADER_RETRIES} retries`);
        }
        counts.notLeaderRetries++;
        hint = e.leaderAddress ?? null;
        await sleep(Math.min(RETRY_BASE_MS * 2 ** retry, RETRY_MAX_MS));
      }
    }
  };

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
          const node = await submit({ id, key: `k${c}`, value: VALUE });
          let timer;
          const ok = await new Promise((resolve) => {
            waiting.set(id, { node, resolve });
            timer = setTimeout(() => resolve(false), commitTimeoutMs);
          });
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
      leaderStillLeads: firstLeader.state === Raft.LEADER,
      notLeaderRetries: counts.notLeaderRetries,
      leaderChanges: counts.leaderChanges,
    }),
    close,
  };
}
