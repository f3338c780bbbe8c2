/**
 * The compaction profile and the host's snapshot path: snapshots taken by the
 * size policy and at random, compaction, restarts that restore from a snapshot,
 * laggards that can only catch up by a chunked InstallSnapshot over lossy
 * links, and crashes that lose a snapshot that was not synced yet.
 */
import type { RaftConfig } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { runSeed, type SeedResult } from '../src/index.js';
import { InvariantSuite } from '../src/invariants/index.js';
import { SimNode } from '../src/sim-node.js';
import { recordingEnv } from './recording-env.js';

function expectSound(r: SeedResult): void {
  expect(r.violations, `seed ${r.seed}`).toEqual([]);
  expect(r.verdict, `seed ${r.seed}`).toBe('linearizable');
}

describe('compaction profile', () => {
  it('snapshots, compacts, restores and installs snapshots without breaking an invariant', () => {
    const runs = [1, 2, 3].map((seed) => runSeed({ seed, profile: 'compaction' }));
    for (const r of runs) {
      expectSound(r);
      expect(r.config.raft.snapshotEntries).toBeGreaterThan(0);
      expect(r.snapshots.taken).toBeGreaterThan(10);
    }
    expect(runs.reduce((s, r) => s + r.snapshots.installed, 0)).toBeGreaterThan(5);
    expect(runs.reduce((s, r) => s + r.snapshots.restoredAtStart, 0)).toBeGreaterThan(5);
  });

  it("regression: no snapshot of its own while a leader's snapshot is pending (seeds that once threw)", () => {
    // A leader's snapshot stepped in while the host waited for a sync reset the core's membership;
    // taking a snapshot at the old applied index then asked confStateAt below it (an exception).
    for (const seed of [267, 401]) expectSound(runSeed({ seed, profile: 'compaction' }));
  });

  it('a laggard catches up by a chunked InstallSnapshot, resumed across lost chunks', () => {
    const r = runSeed({ seed: 6, profile: 'compaction', faultWeights: { laggard: 1 }, trace: true });
    expectSound(r);
    const trace = r.trace ?? [];
    expect(trace.some((l) => /laggard n\d+: leader n\d+ compacted past it/.test(l))).toBe(true);
    expect(trace.some((l) => l.includes('catches up over lossy links'))).toBe(true);
    // Chunks: snapshot messages at offsets past 0, and a chunk or an answer lost on the way.
    const chunks = trace.filter((l) => / <- n\d+ snapshot t\d+ index=\d+ offset=\d+\//.test(l));
    expect(chunks.some((l) => !l.includes('offset=0/'))).toBe(true);
    expect(trace.some((l) => / -> n\d+ snapshot(Resp)? LOST$/.test(l))).toBe(true);
    expect(r.snapshots.installed).toBeGreaterThan(0);
  });

  it('a crash at the sync of a snapshot loses it; the node restarts from the previous one', () => {
    const r = runSeed({
      seed: 5,
      profile: 'compaction',
      faultWeights: { crashDuringSnapshot: 2, snapshotNow: 1 },
      trace: true,
    });
    expectSound(r);
    expect((r.trace ?? []).some((l) => l.includes('armed crash fires (beforeSnapshotSync)'))).toBe(true);
    expect(r.snapshots.restoredAtStart).toBeGreaterThan(0);
  });
});

/** A single-node cluster host (it leads alone) with a snapshot every 3 entries. */
function soloHost() {
  const { env, syncs } = recordingEnv({ invariants: new InvariantSuite({ voters: ['n1'], learners: [] }) });
  const node = new SimNode(
    'n1',
    env,
    (storage, incarnation, applied): RaftConfig => ({
      id: 'n1',
      storage,
      peers: ['n1'],
      seed: incarnation,
      applied,
      snapshotEntries: 3,
      snapshotBytes: 0,
    }),
    0,
  );
  node.start();
  const synced = () => node.input({ kind: 'synced', incarnation: node.incarnation });
  const write = (seq: number) =>
    node.input({
      kind: 'client',
      req: { kind: 'write', client: 'c1', seq, attempt: 1, cmd: { op: 'put', key: 'k', value: `v${seq}` } },
    });
  return { node, env, synced, write, syncs };
}

describe('SimNode snapshot path (host order)', () => {
  it('a snapshot is unsynced until the next sync: a crash before it loses snapshot and compaction', () => {
    const { node, synced, write } = soloHost();
    node.raft?.campaign();
    node.pump();
    synced(); // term, vote, no-op
    for (let seq = 1; node.snapshotStats.taken === 0 && seq <= 5; seq++) {
      write(seq);
      synced();
    }
    // 3 entries applied: the policy (every 3 entries) took a snapshot and compacted, not synced yet.
    expect(node.snapshotStats.taken).toBe(1);
    const snapIndex = node.storage.snapshot()?.meta.index ?? 0;
    expect(snapIndex).toBeGreaterThanOrEqual(3);
    expect(node.storage.firstIndex()).toBe(snapIndex + 1);
    node.crash();
    expect(node.storage.snapshot()).toBeNull();
    expect(node.storage.firstIndex()).toBe(1);
    node.start(); // restarts from the full log
    expect(node.snapshotStats.restoredAtStart).toBe(0);
    expect(node.raft?.status().commitIndex).toBeGreaterThanOrEqual(snapIndex);
  });

  it('a synced snapshot survives a crash and the restart restores the state machine from it', () => {
    const { node, synced, write, env } = soloHost();
    node.raft?.campaign();
    node.pump();
    synced();
    for (let seq = 1; seq <= 4; seq++) {
      write(seq);
      synced();
    }
    expect(node.snapshotStats.taken).toBe(1);
    const snap = node.storage.snapshot();
    expect(snap).not.toBeNull();
    const hashBefore = node.sm.hash();
    const appliedBefore = node.sm.appliedIndex;
    node.crash();
    expect(node.storage.snapshot()?.meta.index).toBe(snap?.meta.index);
    node.start();
    expect(node.snapshotStats.restoredAtStart).toBe(1);
    // Restored from the snapshot, then the committed entries after it replayed by the next Ready.
    expect(node.sm.appliedIndex).toBe(appliedBefore);
    expect(node.sm.hash()).toBe(hashBefore);
    expect(node.sm.get('k')).toBe('v4');
    expect(env.invariants.violations).toEqual([]);
  });
});
