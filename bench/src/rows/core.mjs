// Row 2: @raftkit/core alone: a 3-node RaftNode cluster in one thread with
// MemoryStorage, no workers, no serialization: the algorithm's own ceiling.
import { MemoryStorage, RaftNode } from '@raftkit/core';
import { runClosedLoop } from '../inthread-harness.mjs';
import { progress } from '../progress.mjs';

const IDS = ['n1', 'n2', 'n3'];

/** raftkit's RaftNode driven like etcd's RawNode (the README's Ready contract). */
export function raftkitCoreAdapter() {
  const payload = new Uint8Array(100);
  const nodes = new Map(
    IDS.map((id) => {
      const storage = new MemoryStorage();
      return [id, { storage, node: new RaftNode({ id, peers: IDS, seed: 7, storage }) }];
    }),
  );
  const leader = nodes.get('n1').node;
  const owner = new Map(); // proposal id -> client
  let queue = [];
  const a = {
    name: 'raftkit core',
    steps: 0,
    elect() {
      leader.campaign();
      a.pump(() => {});
      if (leader.status().role !== 'leader') throw new Error('n1 did not become leader');
    },
    propose(client) {
      owner.set(leader.propose(payload), client);
    },
    pump(onCommit) {
      for (let round = 0; round < 1000; round++) {
        for (const [id, { node, storage }] of nodes) {
          while (node.hasReady()) {
            const rd = node.ready();
            if (rd.snapshot) storage.applySnapshot(rd.snapshot);
            if (rd.entries.length) storage.append(rd.entries);
            if (rd.hardState) storage.setHardState(rd.hardState);
            storage.sync();
            for (const m of rd.messages) queue.push(m);
            if (id === 'n1') {
              for (const o of rd.outcomes) {
                const c = owner.get(o.id);
                if (c === undefined) continue;
                owner.delete(o.id);
                if (o.status !== 'committed') throw new Error(`proposal dropped: ${o.reason}`);
                onCommit(c);
              }
            }
            node.advance();
          }
        }
        if (queue.length === 0) return;
        const q = queue;
        queue = [];
        for (const m of q) nodes.get(m.to).node.step(m);
        a.steps += q.length;
      }
      throw new Error('cluster did not quiesce in 1000 rounds');
    },
  };
  return a;
}

export const CORE_CLIENTS = [1, 64];

export async function runCore({ quick }) {
  const ms = quick ? 700 : 3000;
  const warmupMs = quick ? 300 : 1000;
  const config = {
    cluster: '3 RaftNodes in one thread, MemoryStorage (sync() each Ready), messages stepped as objects',
    raft: 'defaults: preVote, checkQuorum, maxEntriesPerMsg 256, maxInflightMsgs 64',
    workload: 'closed-loop clients, each with one 100-byte proposal outstanding',
    clients: CORE_CLIENTS,
    measureMs: ms,
    warmupMs,
  };
  const byClients = {};
  for (const clients of CORE_CLIENTS) {
    progress.step(`core, ${clients} client(s)`);
    byClients[clients] = runClosedLoop(raftkitCoreAdapter, { clients, ms, warmupMs });
  }
  return { config, byClients };
}
