// Snapshot costs: CRC-32 throughput, and a chunked InstallSnapshot of a large
// snapshot between two in-thread nodes (leader -> lagging follower), end to end.
// Build first, then run:  pnpm exec tsc -b packages/core && node packages/core/bench/snapshot-bench.mjs
import { crc32, MemoryStorage, RaftNode } from '../dist/index.js';

const now = () => performance.now();

function crcThroughput(mib) {
  const data = new Uint8Array(mib * 1024 * 1024).map((_, i) => i & 0xff);
  const t0 = now();
  crc32(data);
  const ms = now() - t0;
  return (mib / ms) * 1000;
}

function drain(node, storage, sink) {
  while (node.hasReady()) {
    const rd = node.ready();
    if (rd.snapshot) storage.applySnapshot(rd.snapshot);
    if (rd.entries.length) storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
    storage.sync();
    sink.push(...rd.messages);
    node.advance();
  }
}

function transfer(mib, chunkKiB) {
  const peers = ['l', 'f', 'x'];
  const cfg = { seed: 1, peers, snapshotChunkBytes: chunkKiB * 1024, checkQuorum: false };
  const ls = new MemoryStorage();
  const fs = new MemoryStorage();
  const xs = new MemoryStorage();
  const l = new RaftNode({ ...cfg, id: 'l', storage: ls });
  const f = new RaftNode({ ...cfg, id: 'f', storage: fs });
  const x = new RaftNode({ ...cfg, id: 'x', storage: xs });
  const nodes = { l: [l, ls], f: [f, fs], x: [x, xs] };
  const q = [];
  const pump = (deliverTo = () => true) => {
    for (let i = 0; i < 1e6; i++) {
      drain(l, ls, q);
      drain(f, fs, q);
      drain(x, xs, q);
      if (q.length === 0) return;
      const batch = q.splice(0);
      for (const m of batch) if (deliverTo(m)) nodes[m.to][0].step(m);
    }
  };
  l.campaign();
  pump();
  for (let i = 0; i < 100; i++) l.propose(new Uint8Array(100));
  pump((m) => m.to !== 'f' && m.from !== 'f'); // f misses the entries
  const idx = l.status().commitIndex;
  ls.createSnapshot(idx, l.confStateAt(idx), new Uint8Array(mib * 1024 * 1024).fill(7));
  ls.compact(idx);
  ls.sync();
  const t0 = now();
  l.tick();
  pump();
  const ms = now() - t0;
  if (f.status().snapshotsInstalled !== 1) throw new Error('snapshot not installed');
  return ms;
}

console.log(`crc32: ${crcThroughput(64).toFixed(0)} MiB/s`);
for (const [mib, chunk] of [
  [16, 1024],
  [16, 64],
  [64, 1024],
]) {
  const ms = transfer(mib, chunk);
  console.log(
    `InstallSnapshot ${mib} MiB in ${chunk} KiB chunks: ${ms.toFixed(0)} ms (${((mib / ms) * 1000).toFixed(0)} MiB/s)`,
  );
}
