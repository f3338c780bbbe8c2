import { it } from 'vitest';
import { withInjectedBugs } from '@raftkit/core/testing';
import { runFuzz } from './helpers/fuzz.js';
it('dbg', () => {
  let agg = { changes: 0, installed: 0, taken: 0, commits: 0, elections: 0 };
  for (let seed = 300; seed < 340; seed++) {
    const r = runFuzz(seed, { nodes: 3, compaction: true, membership: true, steps: 1000 });
    agg.changes += r.confChangesCommitted; agg.installed += r.snapshotsInstalled; agg.taken += r.snapshotsTaken; agg.commits += r.committedOutcomes; agg.elections += r.elections;
  }
  console.log('membership', agg);
  agg = { changes: 0, installed: 0, taken: 0, commits: 0, elections: 0 };
  for (let seed = 200; seed < 230; seed++) {
    const r = runFuzz(seed, { nodes: 3, compaction: true });
    agg.changes += r.confChangesCommitted; agg.installed += r.snapshotsInstalled; agg.taken += r.snapshotsTaken; agg.commits += r.committedOutcomes; agg.elections += r.elections;
  }
  console.log('compaction', agg);
  let caught = 0; let first = -1;
  for (let seed = 1; seed <= 300; seed++) {
    try { runFuzz(seed, { nodes: 4, compaction: true, membership: true, steps: 1500, config: { preVote: false, checkQuorum: false, leaderStickiness: false }, wrapConfig: (c) => withInjectedBugs(c, ['membership-no-current-term-commit']) }); }
    catch (e) { caught++; if (first < 0) { first = seed; console.log(String(e).slice(0, 200)); } }
  }
  console.log('bug caught', caught, 'first', first);
});
