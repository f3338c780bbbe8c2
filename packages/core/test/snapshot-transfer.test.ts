/**
 * InstallSnapshot in chunks, end to end through a 3-node cluster: a follower
 * that fell behind the leader's compaction point gets the snapshot in
 * `snapshotChunkBytes` pieces, resumes after a lost chunk or answer, refuses
 * a corrupted snapshot (reported, old state kept) and drops a transfer cut by
 * a term change. Replication resumes at snapshot index + 1.
 */
import { crc32, type Message, type SnapshotMessage } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { bytes, ofType } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { type Interceptor, recorder, runIntercepted, ticksIntercepted } from './helpers/network.js';

const CHUNK = 1024;
const PAD = 10_000;

/** Leader '1' compacted past everything '3' has; '3' was cut off and comes back. */
function lagging(opts: { snapshotOn2?: boolean } = {}) {
  const c = new Cluster(['1', '2', '3'], { config: { snapshotChunkBytes: CHUNK } });
  c.elect('1');
  c.isolate('3');
  for (let i = 0; i < 20; i++) c.propose('1', bytes(`v${i}`));
  c.stabilize();
  c.ticks(2, ['1', '2']);
  const snap = c.takeSnapshot('1', { padBytes: PAD });
  if (!snap) throw new Error('no snapshot');
  if (opts.snapshotOn2) c.takeSnapshot('2', { padBytes: PAD });
  for (let i = 0; i < 3; i++) c.propose('1', bytes(`after${i}`));
  c.stabilize();
  c.heal();
  const before = c.raft('3').status();
  return { c, snap, before };
}

const chunksTo = (log: readonly Message[], to: string, from = '1') =>
  ofType(log, 'snapshot').filter((m) => m.to === to && m.from === from);

function expectCaughtUp(c: Cluster, id: string) {
  const leader = c.leader();
  if (!leader) throw new Error('no leader');
  const ls = leader.node.status();
  const fs = c.raft(id).status();
  expect(fs.commitIndex).toBe(ls.commitIndex);
  expect(c.n(id).state).toEqual(leader.state);
  expect(ls.progress.find((p) => p.id === id)).toMatchObject({ state: 'replicate', match: ls.lastIndex });
}

describe('chunked InstallSnapshot', () => {
  it('sends the snapshot in chunks, the follower installs it whole, replication resumes at index + 1', () => {
    const { c, snap, before } = lagging();
    expect(before.lastIndex).toBe(1);
    const rec = recorder();
    ticksIntercepted(c, 3, rec.intercept);
    const chunks = chunksTo(rec.log, '3');
    const total = snap.data.byteLength;
    expect(chunks.map((m) => m.offset)).toEqual(
      Array.from({ length: Math.ceil(total / CHUNK) }, (_, i) => i * CHUNK),
    );
    for (const m of chunks) {
      expect(m.chunk.byteLength).toBeLessThanOrEqual(CHUNK);
      expect(m).toMatchObject({ totalBytes: total, checksum: crc32(snap.data), meta: snap.meta });
      expect(m.done).toBe(m.offset + m.chunk.byteLength === total);
    }
    const f = c.n('3');
    expect(f.restored.map((s) => s.meta)).toEqual([snap.meta]);
    expect(f.restored[0].data).toEqual(snap.data);
    expect(f.storage.snapshot()?.meta).toEqual(snap.meta);
    expect(f.node.status()).toMatchObject({ firstIndex: snap.meta.index + 1, snapshotsInstalled: 1 });
    // After the acknowledgement, the leader's first append to '3' starts right after the snapshot.
    const doneAt = rec.log.findIndex((m) => m.type === 'snapshotResp' && m.done);
    const firstAppend = ofType(rec.log.slice(doneAt), 'append').find((m) => m.to === '3');
    expect(firstAppend).toMatchObject({ prevIndex: snap.meta.index, prevTerm: snap.meta.term });
    expect(firstAppend?.entries[0]?.index).toBe(snap.meta.index + 1);
    expectCaughtUp(c, '3');
  });

  it('a lost chunk is resent after the next heartbeat round, resuming where the follower stands', () => {
    const { c, snap } = lagging();
    let lost = false;
    const rec = recorder((m) => {
      if (!lost && m.type === 'snapshot' && m.offset === 3 * CHUNK) {
        lost = true;
        return null;
      }
      return m;
    });
    ticksIntercepted(c, 4, rec.intercept);
    const offsets = chunksTo(rec.log, '3').map((m) => m.offset);
    expect(lost).toBe(true);
    expect(offsets.filter((o) => o === 3 * CHUNK)).toHaveLength(2); // lost once, resent once
    expect(offsets.filter((o) => o === 0)).toHaveLength(1); // never restarted from scratch
    expect(offsets.length).toBe(Math.ceil(snap.data.byteLength / CHUNK) + 1);
    expect(c.n('3').restored).toHaveLength(1);
    expectCaughtUp(c, '3');
  });

  it('a lost answer: the resent chunk is a duplicate, the follower names the offset it wants', () => {
    const { c } = lagging();
    let lost = false;
    const rec = recorder((m) => {
      if (!lost && m.type === 'snapshotResp' && m.nextOffset === 2 * CHUNK) {
        lost = true;
        return null;
      }
      return m;
    });
    ticksIntercepted(c, 4, rec.intercept);
    expect(lost).toBe(true);
    const answers = ofType(rec.log, 'snapshotResp').map((m) => m.nextOffset);
    // The duplicate of the chunk at 1024 is answered with 2048 again, and the transfer goes on from there.
    expect(answers.filter((o) => o === 2 * CHUNK)).toHaveLength(2);
    expect(chunksTo(rec.log, '3').filter((m) => m.offset === 0)).toHaveLength(1);
    expect(c.n('3').restored).toHaveLength(1);
    expect(c.raft('3').status().snapshotsRejected).toBe(0);
    expectCaughtUp(c, '3');
  });

  it('a corrupted chunk: the checksum fails before anything is replaced, it is reported, the old state stays', () => {
    const { c, snap, before } = lagging();
    let corrupted = false;
    const corrupt: Interceptor = (m) => {
      if (!corrupted && m.type === 'snapshot' && m.offset === 2 * CHUNK) {
        corrupted = true;
        const chunk = m.chunk.slice(); // a copy: the leader's snapshot stays intact
        chunk[17] ^= 0x40;
        return { ...m, chunk } satisfies SnapshotMessage;
      }
      return m;
    };
    // Bring '3' in contact, then let the transfer run without ticks: it ends with the rejection.
    ticksIntercepted(c, 1, corrupt);
    runIntercepted(c, corrupt);
    expect(corrupted).toBe(true);
    const f = c.n('3');
    expect(f.snapshotRejections).toEqual([
      {
        node: '3',
        from: '1',
        term: snap.meta.term,
        index: snap.meta.index,
        snapshotTerm: snap.meta.term,
        reason: 'checksumMismatch',
        totalBytes: snap.data.byteLength,
        expectedChecksum: crc32(snap.data),
        actualChecksum: expect.any(Number),
      },
    ]);
    expect(f.snapshotRejections[0].actualChecksum).not.toBe(crc32(snap.data));
    const st = f.node.status();
    expect(st).toMatchObject({ snapshotsRejected: 1, snapshotsInstalled: 0, incomingSnapshot: null });
    expect(st).toMatchObject({ firstIndex: before.firstIndex, lastIndex: before.lastIndex });
    expect(f.storage.snapshot()).toBeNull();
    expect(f.restored).toEqual([]);
    expect(f.state.index).toBe(before.appliedIndex);
    expect(
      c
        .raft('1')
        .status()
        .progress.find((p) => p.id === '3')?.state,
    ).toBe('probe');
    // The leader backs off for an election timeout, then retries; a clean copy is installed.
    ticksIntercepted(c, 8, corrupt);
    expect(f.restored).toEqual([]);
    ticksIntercepted(c, 5, corrupt);
    expect(f.restored.map((s) => s.meta)).toEqual([snap.meta]);
    expect(f.node.status()).toMatchObject({ snapshotsRejected: 1, snapshotsInstalled: 1 });
    expectCaughtUp(c, '3');
  });

  it('a term change mid-transfer discards the partial snapshot; the new leader sends its own from offset 0', () => {
    const { c, snap } = lagging({ snapshotOn2: true });
    let fromOne = 0;
    const rec = recorder((m) => {
      if (m.type === 'snapshot' && m.from === '1' && ++fromOne > 3) return null; // the rest never arrives
      return m;
    });
    ticksIntercepted(c, 1, rec.intercept);
    expect(c.raft('3').status().incomingSnapshot).toEqual({
      from: '1',
      index: snap.meta.index,
      receivedBytes: 3 * CHUNK,
      totalBytes: snap.data.byteLength,
    });
    const termBefore = c.n('3').term;
    c.raft('1').transferLeadership('2');
    let holdTwo = true;
    const inner = rec.intercept;
    const held: Interceptor = (m) => (holdTwo && m.type === 'snapshot' && m.from === '2' ? null : inner(m));
    runIntercepted(c, held);
    expect(c.n('2').role).toBe('leader');
    expect(c.n('3').term).toBeGreaterThan(termBefore);
    expect(c.raft('3').status().incomingSnapshot).toBeNull(); // discarded with the term change
    holdTwo = false;
    ticksIntercepted(c, 4, held);
    const fromTwo = chunksTo(rec.log, '3', '2');
    expect(fromTwo[0].offset).toBe(0);
    const f = c.n('3');
    expect(f.restored).toHaveLength(1);
    expect(f.restored[0].meta.index).toBe(c.n('2').storage.snapshot()?.meta.index);
    expect(f.node.status()).toMatchObject({ snapshotsRejected: 0, incomingSnapshot: null });
    expectCaughtUp(c, '3');
  });

  it('a follower that restarts mid-transfer lost its partial copy: the leader resumes from 0', () => {
    const { c } = lagging();
    let seen = 0;
    const rec = recorder((m) => {
      if (m.type === 'snapshot' && ++seen === 4) {
        c.crash('3'); // crashes with three chunks buffered in memory
        return null;
      }
      return m;
    });
    ticksIntercepted(c, 1, rec.intercept);
    c.restart('3');
    ticksIntercepted(c, 5, rec.intercept);
    const offsets = chunksTo(rec.log, '3').map((m) => m.offset);
    expect(offsets.filter((o) => o === 0)).toHaveLength(2);
    expect(c.n('3').restored).toHaveLength(1);
    expectCaughtUp(c, '3');
  });

  it('while the transfer runs, no appends go to the follower and it stays in the snapshot state', () => {
    const { c } = lagging();
    let states: string[] = [];
    const rec = recorder((m) => {
      if (m.type === 'snapshot' && m.to === '3') {
        states.push(
          c
            .raft('1')
            .status()
            .progress.find((p) => p.id === '3')?.state ?? '?',
        );
      }
      return m;
    });
    ticksIntercepted(c, 3, rec.intercept);
    const firstChunk = rec.log.findIndex((m) => m.type === 'snapshot');
    const done = rec.log.findIndex((m) => m.type === 'snapshotResp' && m.done);
    expect(ofType(rec.log.slice(firstChunk, done), 'append').filter((m) => m.to === '3')).toEqual([]);
    states = [...new Set(states)];
    expect(states).toEqual(['snapshot']);
  });
});
