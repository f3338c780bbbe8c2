// Micro-benchmark of RaftNode.step() and a 3-node in-thread cluster.
// Build first, then run:  pnpm exec tsc -b packages/core && node packages/core/bench/step-bench.mjs
// Only the measured calls are timed; Ready processing between batches is not.
import { MemoryStorage, RaftNode } from '../dist/index.js';

const payload = new Uint8Array(100);
const now = () => performance.now();

function drain(node, storage) {
  while (node.hasReady()) {
    const rd = node.ready();
    if (rd.snapshot) storage.applySnapshot(rd.snapshot);
    if (rd.entries.length) storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
    storage.sync();
    node.advance();
  }
}

function followerAppend(total) {
  const storage = new MemoryStorage();
  const node = new RaftNode({ id: 'f', peers: ['l', 'f', 'x'], seed: 1, storage });
  let timed = 0;
  const batch = 1000;
  for (let i = 1; i <= total; i += batch) {
    const msgs = [];
    for (let k = 0; k < batch; k++) {
      const idx = i + k;
      msgs.push({
        type: 'append',
        from: 'l',
        to: 'f',
        term: 1,
        prevIndex: idx - 1,
        prevTerm: idx === 1 ? 0 : 1,
        entries: [{ index: idx, term: 1, type: 0, data: payload }],
        commit: idx - 1,
      });
    }
    const t0 = now();
    for (const m of msgs) node.step(m);
    timed += now() - t0;
    drain(node, storage);
  }
  return (timed * 1000) / total;
}

function leaderAppendResp(total) {
  const storage = new MemoryStorage();
  const node = new RaftNode({ id: 'l', peers: ['l', 'f', 'x'], seed: 1, storage, maxInflightMsgs: 1 << 20 });
  node.campaign();
  drain(node, storage);
  node.step({ type: 'preVoteResp', from: 'f', to: 'l', term: 1, reject: false });
  drain(node, storage);
  node.step({ type: 'voteResp', from: 'f', to: 'l', term: 1, reject: false });
  drain(node, storage);
  if (node.status().role !== 'leader') throw new Error('not leader');
  const term = node.status().term;
  node.step({
    type: 'appendResp',
    from: 'f',
    to: 'l',
    term,
    reject: false,
    index: 1,
    hintIndex: 0,
    hintTerm: 0,
    checkpoint: null,
  });
  drain(node, storage);
  let timed = 0;
  const batch = 1000;
  let acked = 1;
  for (let done = 0; done < total; done += batch) {
    for (let k = 0; k < batch; k++) node.propose(payload);
    drain(node, storage);
    const msgs = [];
    for (let k = 0; k < batch; k++) {
      acked++;
      msgs.push({
        type: 'appendResp',
        from: 'f',
        to: 'l',
        term,
        reject: false,
        index: acked,
        hintIndex: 0,
        hintTerm: 0,
        checkpoint: null,
      });
    }
    const t0 = now();
    for (const m of msgs) node.step(m);
    timed += now() - t0;
    drain(node, storage);
  }
  if (node.status().commitIndex !== acked) throw new Error('did not commit');
  return (timed * 1000) / total;
}

function cluster(proposals, batchSize) {
  const ids = ['a', 'b', 'c'];
  const nodes = new Map(
    ids.map((id) => {
      const storage = new MemoryStorage();
      return [id, { storage, node: new RaftNode({ id, peers: ids, seed: 7, storage }) }];
    }),
  );
  let queue = [];
  let committed = 0;
  const pump = () => {
    for (let round = 0; round < 100; round++) {
      for (const { node, storage } of nodes.values()) {
        while (node.hasReady()) {
          const rd = node.ready();
          if (rd.entries.length) storage.append(rd.entries);
          if (rd.hardState) storage.setHardState(rd.hardState);
          storage.sync();
          for (const m of rd.messages) queue.push(m);
          for (const o of rd.outcomes) if (o.status === 'committed') committed++;
          node.advance();
        }
      }
      if (queue.length === 0) return;
      const q = queue;
      queue = [];
      for (const m of q) nodes.get(m.to).node.step(m);
    }
  };
  nodes.get('a').node.campaign();
  pump();
  const leader = nodes.get('a').node;
  const t0 = now();
  for (let sent = 0; sent < proposals; sent += batchSize) {
    for (let k = 0; k < batchSize; k++) leader.propose(payload);
    pump();
  }
  const ms = now() - t0;
  if (committed !== proposals) throw new Error(`committed ${committed} of ${proposals}`);
  return (proposals / ms) * 1000;
}

// Warm up the JIT, then measure.
followerAppend(20_000);
leaderAppendResp(20_000);
cluster(5_000, 1);
const rows = [
  ['follower step(append, 1 entry of 100 B)', `${followerAppend(200_000).toFixed(2)} µs/step`],
  ['leader step(appendResp), commit advancing', `${leaderAppendResp(200_000).toFixed(2)} µs/step`],
  [
    '3-node cluster, 1 proposal per Ready round',
    `${Math.round(cluster(20_000, 1)).toLocaleString('en')} proposals/s`,
  ],
  [
    '3-node cluster, 64 proposals per Ready round',
    `${Math.round(cluster(200_000, 64)).toLocaleString('en')} proposals/s`,
  ],
];
for (const [name, value] of rows) console.log(`${name.padEnd(48)} ${value}`);
