// Row 9: what exactly-once costs an app command: the runtime's session wrapper
// (SessionMachine: decode, session lookup and refresh, result packing, LRU
// upkeep, the session digest) against the same app machine applied the same
// decoded commands directly, in one thread, alternating A B B A in one run.
import { EntryType } from '@raftkit/core';
import { decodeAppRequest, encodeAppRequest, SessionMachine } from '@raftkit/runtime';
import { progress } from '../progress.mjs';

const SESSIONS = 1000;

/** A small app machine: a counter per name (what the README's quickstart tally does). */
function tally() {
  const counts = new Map();
  return {
    apply(cmd) {
      const n = (counts.get(cmd.name) ?? 0) + cmd.by;
      counts.set(cmd.name, n);
      return n;
    },
    query: (name) => counts.get(name) ?? 0,
    snapshot: () => new TextEncoder().encode(JSON.stringify([...counts])),
    restore() {},
    hash: () => String(counts.size),
  };
}

/** `n` committed entries: commands of SESSIONS clients, round robin, each with its next seq. */
function entries(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const client = i % SESSIONS;
    const data = encodeAppRequest(
      { name: `k${i % 64}`, by: 1 },
      { clientId: `client-${client}`, seq: Math.floor(i / SESSIONS) + 1 },
    );
    out.push({ index: i + 1, term: 1, type: EntryType.Normal, data });
  }
  return out;
}

/** ns per command of one pass. */
function pass(es, wrapped) {
  const t0 = process.hrtime.bigint();
  if (wrapped) {
    const sm = new SessionMachine(tally());
    for (const e of es) sm.apply(e);
  } else {
    const app = tally();
    for (const e of es) app.apply(decodeAppRequest(e.data).command, { index: e.index, term: e.term });
  }
  return Number(process.hrtime.bigint() - t0) / es.length;
}

export async function runSessions({ quick }) {
  const n = quick ? 50_000 : 400_000;
  const es = entries(n);
  progress.step(`${n} commands of ${SESSIONS} sessions, direct and wrapped, A B B A x3`);
  pass(es, false);
  pass(es, true); // warm-up (JIT)
  const direct = [];
  const wrapped = [];
  for (let r = 0; r < 3; r++) {
    direct.push(pass(es, false));
    wrapped.push(pass(es, true));
    wrapped.push(pass(es, true));
    direct.push(pass(es, false));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const d = median(direct);
  const w = median(wrapped);
  return {
    config: {
      commands: n,
      sessions: SESSIONS,
      machine: 'a counter per name (64 names); commands { name, by } packed as the client sends them',
      direct: 'decodeAppRequest + app.apply (no sessions)',
      wrapped: 'SessionMachine.apply (sessions, result packing, digest)',
      passes: 'A B B A three times after one warm-up pass each; medians',
    },
    nsPerCommand: { direct: d, wrapped: w },
    overheadNsPerCommand: w - d,
    ratio: w / d,
  };
}
