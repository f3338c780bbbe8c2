/**
 * A follower whose next entries were compacted away on the leader gets the
 * leader's snapshot (a small one: a single chunk; chunked transfer is in
 * snapshot-transfer.test.ts and snapshot-chunks.test.ts).
 */
import { MemoryStorage, RaftNode } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/checksum.js';
import { bytes, entriesWithTerms, ofType } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { makeNode } from './helpers/single.js';

function compactedLeader() {
  const c = new Cluster(['1', '2', '3']);
  c.elect('1');
  c.isolate('3');
  for (let i = 0; i < 6; i++) c.propose('1', bytes(`s${i}`));
  c.stabilize();
  c.ticks(2, ['1', '2']);
  const leader = c.n('1');
  const conf = leader.node.status().conf;
  leader.storage.createSnapshot(5, conf, bytes('state-at-5'));
  leader.storage.compact(5);
  leader.storage.sync();
  return c;
}

describe('snapshots for followers behind the compaction point', () => {
  it('the leader detects it, sends its snapshot, and the follower installs it and catches up', () => {
    const c = compactedLeader();
    c.heal();
    c.tick(['1']);
    const f = c.n('3');
    expect(f.storage.snapshot()?.meta).toMatchObject({ index: 5, term: 1 });
    expect(f.storage.snapshot()?.data).toEqual(bytes('state-at-5'));
    c.ticks(3);
    expect(c.raft('3').status()).toMatchObject({ firstIndex: 6, lastIndex: 7, commitIndex: 7 });
    // Index 1 was applied before the partition; afterwards only the entries after the snapshot.
    expect(f.applied.map((e) => e.index)).toEqual([1, 6, 7]);
  });

  it('while the snapshot is in flight the follower progress is in the snapshot state', () => {
    const c = compactedLeader();
    c.heal();
    c.tick(['1'], { stabilize: false });
    let snapshots = 0;
    for (let i = 0; i < 20 && snapshots === 0; i++) {
      c.processAll();
      snapshots = ofType(c.queue, 'snapshot').length;
      if (snapshots === 0) c.deliverQueued();
    }
    expect(snapshots).toBe(1);
    expect(
      c
        .raft('1')
        .status()
        .progress.find((p) => p.id === '3')?.state,
    ).toBe('snapshot');
    c.stabilize();
    expect(
      c
        .raft('1')
        .status()
        .progress.find((p) => p.id === '3'),
    ).toMatchObject({ state: 'replicate', match: 7 });
  });

  it('a snapshot whose checksum does not match is rejected and changes nothing', () => {
    const h = makeNode('3', ['1', '2', '3']);
    const data = bytes('payload');
    const d = h.stepAll({
      type: 'snapshot',
      from: '1',
      to: '3',
      term: 2,
      meta: { index: 10, term: 2, conf: { voters: ['1', '2', '3'], learners: [] } },
      offset: 0,
      totalBytes: data.length,
      checksum: crc32(data) ^ 1,
      chunk: data,
      done: true,
    });
    expect(ofType(d.messages, 'snapshotResp')[0]).toMatchObject({ reject: true, done: false });
    expect(h.status).toMatchObject({ lastIndex: 0, commitIndex: 0 });
  });

  it('a node restarts from a storage that holds a snapshot', () => {
    const storage = new MemoryStorage({
      snapshot: {
        meta: { index: 10, term: 3, conf: { voters: ['1', '2', '3'], learners: [] } },
        data: bytes('s'),
      },
      entries: entriesWithTerms([3, 4], 11),
      hardState: { term: 4, vote: null, commit: 11 },
    });
    const n = new RaftNode({ id: '1', seed: 1, storage });
    expect(n.status()).toMatchObject({ firstIndex: 11, lastIndex: 12, commitIndex: 11, appliedIndex: 10 });
    const rd = n.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([11]);
  });
});
