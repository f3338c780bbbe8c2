/**
 * Taking snapshots and compacting (host side): the shared policy that says
 * when, the SnapshotStorage operations, and their crash behaviour (a crash in
 * the middle of taking a snapshot loses nothing committed).
 */
import {
  ConfigError,
  isSnapshotStorage,
  MemoryStorage,
  RAFT_DEFAULTS,
  RaftError,
  RaftNode,
  type Storage,
  shouldSnapshot,
} from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { bytes, entriesWithTerms } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';

const conf = { voters: ['a', 'b', 'c'], learners: ['d'] };

describe('shouldSnapshot (the shared, pure policy)', () => {
  const policy = { snapshotEntries: 100, snapshotBytes: 1000 };
  it('is due by entry count or by bytes, whichever comes first', () => {
    expect(shouldSnapshot({ appliedIndex: 99, snapshotIndex: 0, bytesSinceSnapshot: 999 }, policy)).toBe(
      false,
    );
    expect(shouldSnapshot({ appliedIndex: 100, snapshotIndex: 0, bytesSinceSnapshot: 0 }, policy)).toBe(true);
    expect(shouldSnapshot({ appliedIndex: 150, snapshotIndex: 100, bytesSinceSnapshot: 1000 }, policy)).toBe(
      true,
    );
    expect(shouldSnapshot({ appliedIndex: 150, snapshotIndex: 100, bytesSinceSnapshot: 10 }, policy)).toBe(
      false,
    );
  });
  it("is never due while a leader's snapshot is pending (it replaces the state; the membership below it is gone)", () => {
    const p = { appliedIndex: 500, snapshotIndex: 0, bytesSinceSnapshot: 1e6 };
    expect(shouldSnapshot(p, policy)).toBe(true);
    expect(shouldSnapshot({ ...p, installing: true }, policy)).toBe(false);
  });
  it('0 disables a trigger; nothing new applied is never due', () => {
    const off = { snapshotEntries: 0, snapshotBytes: 0 };
    expect(shouldSnapshot({ appliedIndex: 1e6, snapshotIndex: 0, bytesSinceSnapshot: 1e9 }, off)).toBe(false);
    expect(shouldSnapshot({ appliedIndex: 10, snapshotIndex: 10, bytesSinceSnapshot: 1e9 }, policy)).toBe(
      false,
    );
  });
  it('the config knobs have defaults and are validated', () => {
    expect(RAFT_DEFAULTS).toMatchObject({ snapshotEntries: 10_000, snapshotBytes: 64 * 1024 * 1024 });
    const base = { id: 'a', peers: ['a'], seed: 1, storage: new MemoryStorage() };
    expect(() => new RaftNode({ ...base, snapshotEntries: -1 })).toThrow(ConfigError);
    expect(() => new RaftNode({ ...base, snapshotChunkBytes: 0 })).toThrow(ConfigError);
    expect(() => new RaftNode({ ...base, promoteMaxLag: 1.5 })).toThrow(ConfigError);
  });
});

describe('RaftNode.snapshotDue() applies the policy to what the host applied', () => {
  it('by entry count: due after snapshotEntries applied entries, not due right after a snapshot', () => {
    const c = new Cluster(['1', '2', '3'], { config: { snapshotEntries: 5, snapshotBytes: 0 } });
    c.elect('1'); // index 1: the leader's no-op
    for (let i = 0; i < 3; i++) c.propose('1', bytes(`x${i}`));
    c.stabilize();
    expect(c.raft('1').snapshotDue()).toBe(false);
    c.propose('1', bytes('x3'));
    c.stabilize();
    expect(c.raft('1').snapshotProgress()).toMatchObject({ appliedIndex: 5, snapshotIndex: 0 });
    expect(c.raft('1').snapshotDue()).toBe(true);
    c.takeSnapshot('1');
    expect(c.raft('1').snapshotProgress()).toEqual({
      appliedIndex: 5,
      snapshotIndex: 5,
      bytesSinceSnapshot: 0,
      installing: false,
    });
    expect(c.raft('1').snapshotDue()).toBe(false);
  });

  it('by bytes: counts the payload applied since the latest snapshot', () => {
    const c = new Cluster(['1', '2', '3'], { config: { snapshotEntries: 0, snapshotBytes: 100 } });
    c.elect('1');
    for (let i = 0; i < 3; i++) c.propose('1', new Uint8Array(30));
    c.stabilize();
    expect(c.raft('2').snapshotProgress().bytesSinceSnapshot).toBe(90);
    expect(c.raft('2').snapshotDue()).toBe(false);
    c.propose('1', new Uint8Array(30));
    c.stabilize();
    expect(c.raft('2').snapshotDue()).toBe(true);
    c.takeSnapshot('2');
    c.propose('1', new Uint8Array(7));
    c.stabilize();
    expect(c.raft('2').snapshotProgress().bytesSinceSnapshot).toBe(7);
  });
});

describe('SnapshotStorage (MemoryStorage)', () => {
  it('MemoryStorage implements it; a read-only Storage does not', () => {
    expect(isSnapshotStorage(new MemoryStorage())).toBe(true);
    const readOnly: Storage = {
      initialState: () => ({ hardState: { term: 0, vote: null, commit: 0 }, confState: null }),
      firstIndex: () => 1,
      lastIndex: () => 0,
      term: () => 0,
      entries: () => [],
      snapshot: () => null,
    };
    expect(isSnapshotStorage(readOnly)).toBe(false);
  });

  it('keeps the snapshot index, term and membership; the membership is the log base on restart', () => {
    const s = new MemoryStorage({ entries: entriesWithTerms([1, 1, 2, 2, 3]) });
    const snap = s.createSnapshot(4, conf, bytes('state'));
    s.compact(4);
    s.sync();
    expect(snap.meta).toEqual({ index: 4, term: 2, conf });
    expect(s.snapshot()).toEqual(snap);
    expect([s.firstIndex(), s.lastIndex(), s.term(4)]).toEqual([5, 5, 2]);
    const n = new RaftNode({ id: 'd', seed: 1, storage: s });
    expect(n.status().conf).toEqual(conf);
  });

  it('snapshot + compaction become durable together at sync: a crash before it keeps the old snapshot and the full log', () => {
    const s = new MemoryStorage({ entries: entriesWithTerms([1, 1, 1, 2, 2, 2]) });
    s.createSnapshot(2, conf, bytes('s2'));
    s.compact(2);
    s.sync();
    s.createSnapshot(5, conf, bytes('s5'));
    s.compact(5);
    expect(s.firstIndex()).toBe(6);
    const crashed = s.crashAndRecover();
    expect(crashed.snapshot()?.meta.index).toBe(2);
    expect([crashed.firstIndex(), crashed.lastIndex()]).toEqual([3, 6]);
    expect(crashed.entries(3, 7).map((e) => e.term)).toEqual([1, 2, 2, 2]);
    s.sync();
    const after = s.crashAndRecover();
    expect(after.snapshot()?.meta.index).toBe(5);
    expect([after.firstIndex(), after.lastIndex()]).toEqual([6, 6]);
  });

  it('a crash between createSnapshot and compact (both unsynced) loses only the new snapshot', () => {
    const s = new MemoryStorage({ entries: entriesWithTerms([1, 1, 1]) });
    s.createSnapshot(3, conf, bytes('s3'));
    const crashed = s.crashAndRecover();
    expect(crashed.snapshot()).toBeNull();
    expect(crashed.lastIndex()).toBe(3);
  });

  it('compaction may not pass the latest snapshot: the entries in between would exist nowhere', () => {
    const s = new MemoryStorage({ entries: entriesWithTerms([1, 1, 1, 1, 1]) });
    s.createSnapshot(2, conf, bytes('s2'));
    expect(() => s.compact(4)).toThrow(RaftError);
    expect(s.firstIndex()).toBe(1);
    s.compact(2);
    expect(s.firstIndex()).toBe(3);
  });
});
