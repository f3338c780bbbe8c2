// Micro-benchmark of the wire codec and the KV state machine (run after `pnpm exec tsc -b packages/core`):
//   node packages/core/bench/codec-kv.mjs
// Short on purpose (a second or two): the machine is shared.
import { decodeMessage, EntryType, encodeKvRequest, encodeMessage, KvStateMachine } from '../dist/index.js';

function timeIt(label, iterations, fn, warmup = true) {
  if (warmup) for (let i = 0; i < Math.min(iterations, 2000); i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - start);
  return { label, iterations, usPerOp: ns / 1000 / iterations, opsPerSec: (iterations * 1e9) / ns };
}

const payload = (i) => {
  const b = new Uint8Array(100);
  for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j) & 0xff;
  return b;
};
const append = {
  type: 'append',
  from: 'node-1',
  to: 'node-2',
  term: 7,
  prevIndex: 100_000,
  prevTerm: 7,
  entries: Array.from({ length: 64 }, (_, i) => ({ index: 100_001 + i, term: 7, type: 0, data: payload(i) })),
  commit: 99_990,
};
const heartbeat = { type: 'heartbeat', from: 'node-1', to: 'node-2', term: 7, commit: 99_990, seq: 12 };
const frame = encodeMessage(append);

const results = [
  timeIt('encode append 64x100B', 20_000, () => encodeMessage(append)),
  timeIt('decode append 64x100B', 20_000, () => decodeMessage(frame)),
  timeIt('encode+decode append 64x100B', 20_000, () => decodeMessage(encodeMessage(append))),
  timeIt('encode+decode heartbeat', 200_000, () => decodeMessage(encodeMessage(heartbeat))),
];

// KV apply throughput: pre-encoded entries (encoding is the client's cost, not the apply path's).
const N = 200_000;
const entries = Array.from({ length: N }, (_, i) => {
  const k = `key-${i % 10_000}`;
  const cmd = i % 4 === 3 ? { op: 'append', key: k, value: 'x' } : { op: 'put', key: k, value: `value-${i}` };
  const session = i % 2 === 0 ? { clientId: `client-${i % 500}`, seq: i } : undefined;
  return {
    index: i + 1,
    term: 1,
    type: EntryType.Normal,
    data: encodeKvRequest(session ? { cmd, session } : { cmd }),
  };
});
const warm = new KvStateMachine();
for (let i = 0; i < 20_000; i++) warm.apply(entries[i]);
const sm = new KvStateMachine();
results.push(timeIt('KV apply (put/append, half with sessions)', N, (i) => sm.apply(entries[i]), false));
results.push(timeIt('KV hash()', 100_000, () => sm.hash()));
const snapStart = process.hrtime.bigint();
const snap = sm.snapshot();
const snapMs = Number(process.hrtime.bigint() - snapStart) / 1e6;
const restStart = process.hrtime.bigint();
new KvStateMachine().restore(snap);
const restMs = Number(process.hrtime.bigint() - restStart) / 1e6;

console.log(`append frame: ${frame.byteLength} bytes (payload ${64 * 100} B)`);
for (const r of results) {
  console.log(
    `${r.label.padEnd(44)} ${r.usPerOp.toFixed(2).padStart(9)} us/op ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(12)} ops/s`,
  );
}
console.log(
  `KV snapshot of ${sm.size} keys / ${sm.sessionCount} sessions: ${snap.byteLength} bytes, ${snapMs.toFixed(1)} ms; restore ${restMs.toFixed(1)} ms`,
);
