#!/usr/bin/env node
// Two builds of raftkit's node processes over TCP, side by side (row 6's
// shape, no etcd): idle CPU and wake-ups of both clusters at once, then
// writes at each client count with the builds alternating (A B B A), and
// each figure as after / before. For before/after measurements of a change:
//
//   mkdir -p /tmp/before/packages && cp -a packages/{core,runtime,net} /tmp/before/packages/ \
//     && ln -s "$PWD/node_modules" /tmp/before/node_modules      # before the change (built)
//   pnpm build                                                     # after the change
//   node bench/src/tcp-ab.mjs --before /tmp/before [--seconds 3] [--reps 2] [--clients 1,64,256] [--idle 8]
//
// Progress on stderr; the results as JSON on stdout.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { progress } from './progress.mjs';
import { ELECTION_MS, HEARTBEAT_MS } from './rows/tcp.mjs';
import { fmtCount, fmtMs, fmtRatio, sleep } from './stats.mjs';
import { idleCpu, interleaved, loadWithCpu, putOp } from './tcp/measure.mjs';
import { RaftkitSystem } from './tcp/raftkit-system.mjs';

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    seconds: { type: 'string', default: '3' },
    reps: { type: 'string', default: '2' },
    clients: { type: 'string', default: '1,64,256' },
    idle: { type: 'string', default: '8' },
  },
});
if (!values.before) {
  process.stderr.write(
    'usage: node bench/src/tcp-ab.mjs --before DIR [--seconds 3] [--reps 2] [--clients 1,64,256] [--idle 8]\n',
  );
  process.exit(2);
}
const ms = Number(values.seconds) * 1000;
const reps = Number(values.reps);
const counts = values.clients.split(',').map(Number);
const shape = { tickMs: HEARTBEAT_MS, electionTicks: ELECTION_MS / HEARTBEAT_MS };
const before = new RaftkitSystem({ ...shape, bin: join(resolve(values.before), 'packages/net/dist/bin.js') });
before.name = 'before';
const after = new RaftkitSystem(shape);
after.name = 'after';
const systems = [before, after];
const clients = new Map();
const out = { idle: null, writes: [] };
try {
  for (const s of systems) {
    progress.step(`starting ${s.name}`);
    await s.start();
    clients.set(s.name, await s.connect(Math.max(...counts)));
    for (let ok = false; !ok; )
      ok = await s.put(clients.get(s.name)[0], 'hello', 'world').then(
        () => true,
        () => sleep(100).then(() => false),
      );
  }
  await sleep(1000);
  progress.step(`idle over ${values.idle} s`);
  out.idle = await idleCpu(systems, Number(values.idle) * 1000);
  for (const n of counts) {
    const acc = {
      before: { ops: 0, s: 0, cpuS: 0, wakeups: 0 },
      after: { ops: 0, s: 0, cpuS: 0, wakeups: 0 },
    };
    for (const s of interleaved(systems, reps)) {
      progress.step(`${n} client(s): ${s.name}`);
      const r = await loadWithCpu(s, clients.get(s.name).slice(0, n), putOp(s), { ms, warmupMs: 500 });
      const a = acc[s.name];
      a.ops += r.ops;
      a.s += r.elapsedS;
      a.cpuS += r.cpuS;
      a.wakeups += r.wakeups;
    }
    const fig = (a) => ({
      writesPerSec: a.ops / a.s,
      cpuMsPerWrite: (a.cpuS * 1000) / a.ops,
      wakeupsPerWrite: a.wakeups / a.ops,
    });
    out.writes.push({ clients: n, before: fig(acc.before), after: fig(acc.after) });
  }
} finally {
  for (const s of systems) {
    if (clients.has(s.name)) s.closeClients(clients.get(s.name));
    await s.stop();
  }
}
const i = out.idle;
process.stderr.write(
  `idle: cores ${i.before.cores.toFixed(3)} -> ${i.after.cores.toFixed(3)} (${fmtRatio(i.after.cores / i.before.cores)}), wake-ups/s ${i.before.wakeupsPerSec.toFixed(0)} -> ${i.after.wakeupsPerSec.toFixed(0)} (${fmtRatio(i.after.wakeupsPerSec / i.before.wakeupsPerSec)})\n`,
);
for (const w of out.writes) {
  const [b, a] = [w.before, w.after];
  process.stderr.write(
    `${w.clients} client(s): writes/s ${fmtCount(b.writesPerSec)} -> ${fmtCount(a.writesPerSec)} (${fmtRatio(a.writesPerSec / b.writesPerSec)}), CPU/write ${fmtMs(b.cpuMsPerWrite)} -> ${fmtMs(a.cpuMsPerWrite)} (${fmtRatio(a.cpuMsPerWrite / b.cpuMsPerWrite)}), wake-ups/write ${b.wakeupsPerWrite.toFixed(1)} -> ${a.wakeupsPerWrite.toFixed(1)}\n`,
  );
}
process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
process.exit(0);
