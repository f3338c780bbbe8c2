/**
 * The follower's side of chunked InstallSnapshot, message by message: chunks
 * are kept only in order (memory bounded by one snapshot), every answer names
 * the offset wanted next, the checksum is verified over the whole snapshot
 * before anything changes, and a term change drops a partial transfer.
 */
import {
  crc32,
  InvalidMessageError,
  type NodeId,
  type SnapshotMessage,
  type SnapshotMeta,
} from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { entriesWithTerms, heartbeat, ofType } from './helpers/builders.js';
import { type Harnessed, makeNode } from './helpers/single.js';

const conf = { voters: ['1', '2', '3'], learners: [] };

function snapshotData(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
}

function chunkOf(
  data: Uint8Array,
  offset: number,
  size: number,
  o: { meta?: SnapshotMeta; term?: number; from?: NodeId; checksum?: number } = {},
): SnapshotMessage {
  const end = Math.min(data.byteLength, offset + size);
  return {
    type: 'snapshot',
    from: o.from ?? '1',
    to: '3',
    term: o.term ?? 2,
    meta: o.meta ?? { index: 10, term: 2, conf },
    offset,
    totalBytes: data.byteLength,
    checksum: o.checksum ?? crc32(data),
    chunk: data.subarray(offset, end),
    done: end === data.byteLength,
  };
}

/** Step one message; return the snapshot answers and the Readies' snapshot / rejections. */
function feed(h: Harnessed, m: SnapshotMessage | ReturnType<typeof heartbeat>) {
  h.node.step(m);
  const rd = h.node.ready();
  h.storage.append(rd.entries);
  if (rd.snapshot) h.storage.applySnapshot(rd.snapshot);
  if (rd.hardState) h.storage.setHardState(rd.hardState);
  h.storage.sync();
  h.node.advance();
  return { answers: ofType(rd.messages, 'snapshotResp'), snapshot: rd.snapshot, rd };
}

describe('receiving a snapshot in chunks', () => {
  it('in-order chunks are assembled; the last one yields Ready.snapshot for the host to persist and restore', () => {
    const h = makeNode('3', ['1', '2', '3'], { snapshotChunkBytes: 1000 });
    const data = snapshotData(2500);
    const a = feed(h, chunkOf(data, 0, 1000));
    expect(a.answers).toEqual([
      {
        type: 'snapshotResp',
        from: '3',
        to: '1',
        term: 2,
        snapshotIndex: 10,
        nextOffset: 1000,
        reject: false,
        done: false,
      },
    ]);
    expect(a.snapshot).toBeNull();
    expect(h.status.incomingSnapshot).toEqual({
      from: '1',
      index: 10,
      receivedBytes: 1000,
      totalBytes: 2500,
    });
    expect(feed(h, chunkOf(data, 1000, 1000)).answers[0].nextOffset).toBe(2000);
    const last = feed(h, chunkOf(data, 2000, 1000));
    expect(last.answers[0]).toMatchObject({ done: true, reject: false, nextOffset: 2500 });
    expect(last.snapshot?.meta).toEqual({ index: 10, term: 2, conf });
    expect(last.snapshot?.data).toEqual(data);
    expect(last.rd.mustSync).toBe(true);
    expect(h.status).toMatchObject({
      firstIndex: 11,
      lastIndex: 10,
      commitIndex: 10,
      appliedIndex: 10,
      snapshotsInstalled: 1,
      incomingSnapshot: null,
      conf,
    });
  });

  it('only the expected offset is kept: a gap or a duplicate is answered with the offset wanted', () => {
    const h = makeNode('3', ['1', '2', '3']);
    const data = snapshotData(4000);
    expect(feed(h, chunkOf(data, 2000, 1000)).answers[0]).toMatchObject({ nextOffset: 0, reject: false });
    expect(h.status.incomingSnapshot).toBeNull(); // nothing buffered for an out-of-order chunk
    feed(h, chunkOf(data, 0, 1000));
    expect(feed(h, chunkOf(data, 2000, 1000)).answers[0].nextOffset).toBe(1000); // gap: chunk 1000 was lost
    expect(feed(h, chunkOf(data, 0, 1000)).answers[0].nextOffset).toBe(1000); // duplicate
    expect(h.status.incomingSnapshot?.receivedBytes).toBe(1000);
    // The leader resends from 1000; the transfer completes and the data is exact.
    feed(h, chunkOf(data, 1000, 1000));
    feed(h, chunkOf(data, 2000, 1000));
    const done = feed(h, chunkOf(data, 3000, 1000));
    expect(done.snapshot?.data).toEqual(data);
  });

  it('a late chunk of another snapshot does not disturb the transfer in progress', () => {
    const h = makeNode('3', ['1', '2', '3']);
    const data = snapshotData(3000);
    const older = snapshotData(3000).reverse();
    feed(h, chunkOf(data, 0, 1000, { meta: { index: 12, term: 2, conf } }));
    const stale = feed(h, chunkOf(older, 1000, 1000, { meta: { index: 10, term: 2, conf } }));
    expect(stale.answers[0]).toMatchObject({ snapshotIndex: 10, nextOffset: 0 });
    expect(h.status.incomingSnapshot).toMatchObject({ index: 12, receivedBytes: 1000 });
  });

  it('a checksum mismatch is found before anything is replaced: rejected, reported, counted, state kept', () => {
    const h = makeNode(
      '3',
      ['1', '2', '3'],
      {},
      { entries: entriesWithTerms([1, 1, 1]), hardState: { term: 1, vote: null, commit: 2 } },
    );
    const data = snapshotData(2000);
    const badSum = (crc32(data) ^ 0x1) >>> 0;
    feed(h, chunkOf(data, 0, 1000, { checksum: badSum }));
    const last = feed(h, chunkOf(data, 1000, 1000, { checksum: badSum }));
    expect(last.answers[0]).toMatchObject({ reject: true, done: false });
    expect(last.snapshot).toBeNull();
    expect(last.rd.snapshotRejections).toEqual([
      {
        node: '3',
        from: '1',
        term: 2,
        index: 10,
        snapshotTerm: 2,
        reason: 'checksumMismatch',
        totalBytes: 2000,
        expectedChecksum: badSum,
        actualChecksum: crc32(data),
      },
    ]);
    expect(h.status).toMatchObject({
      firstIndex: 1,
      lastIndex: 3,
      commitIndex: 2,
      snapshotsRejected: 1,
      snapshotsInstalled: 0,
      incomingSnapshot: null,
    });
    expect(h.storage.snapshot()).toBeNull();
  });

  it('a snapshot above maxSnapshotBytes is refused before a byte is buffered', () => {
    const h = makeNode('3', ['1', '2', '3'], { maxSnapshotBytes: 4096 });
    const data = snapshotData(5000);
    const a = feed(h, chunkOf(data, 0, 1000));
    expect(a.answers[0]).toMatchObject({ reject: true });
    expect(a.rd.snapshotRejections[0]).toMatchObject({
      reason: 'tooLarge',
      totalBytes: 5000,
      actualChecksum: null,
    });
    expect(h.status.incomingSnapshot).toBeNull();
  });

  it('a snapshot whose configuration has no voters is refused (invalidMeta)', () => {
    const h = makeNode('3', ['1', '2', '3']);
    const data = snapshotData(10);
    const a = feed(
      h,
      chunkOf(data, 0, 100, { meta: { index: 10, term: 2, conf: { voters: [], learners: ['3'] } } }),
    );
    expect(a.rd.snapshotRejections[0]?.reason).toBe('invalidMeta');
    expect(h.status.conf).toEqual(conf);
  });

  it('a chunk whose metadata names a member twice (or a non-id) is an invalid message; nothing changes', () => {
    const h = makeNode('3', ['1', '2', '3']);
    const data = snapshotData(10);
    for (const bad of [
      { voters: ['1', '2', '2'], learners: [] },
      { voters: ['1'], learners: ['1'] },
      { voters: ['1', 7 as unknown as string], learners: [] },
    ]) {
      expect(() => h.node.step(chunkOf(data, 0, 100, { meta: { index: 10, term: 2, conf: bad } }))).toThrow(
        InvalidMessageError,
      );
    }
    expect(h.status).toMatchObject({ term: 0, lastIndex: 0, incomingSnapshot: null });
  });

  it('a term change drops the partial transfer; stale chunks of the old term are ignored', () => {
    const h = makeNode('3', ['1', '2', '3']);
    const data = snapshotData(3000);
    feed(h, chunkOf(data, 0, 1000));
    feed(h, chunkOf(data, 1000, 1000));
    expect(h.status.incomingSnapshot?.receivedBytes).toBe(2000);
    feed(h, heartbeat('2', '3', 3));
    expect(h.status.incomingSnapshot).toBeNull();
    expect(feed(h, chunkOf(data, 2000, 1000)).answers).toEqual([]); // term 2: stale
    // The new leader resuming mid-way is told to start over.
    const a = feed(h, chunkOf(data, 2000, 1000, { from: '2', term: 3 }));
    expect(a.answers[0]).toMatchObject({ to: '2', nextOffset: 0, reject: false, done: false });
  });

  it('a snapshot our log already covers is acknowledged without installing anything', () => {
    const h = makeNode(
      '3',
      ['1', '2', '3'],
      {},
      { entries: entriesWithTerms([1, 1, 2, 2]), hardState: { term: 2, vote: null, commit: 2 } },
    );
    const data = snapshotData(100);
    // Index 4 term 2 is in our log: the logs match up to it, so just commit to it.
    const a = feed(h, chunkOf(data, 0, 1000, { meta: { index: 4, term: 2, conf } }));
    expect(a.answers[0]).toMatchObject({ done: true, reject: false, snapshotIndex: 4 });
    expect(a.snapshot).toBeNull();
    expect(h.status).toMatchObject({ commitIndex: 4, firstIndex: 1, snapshotsInstalled: 0 });
  });

  it('an empty snapshot (0 bytes) travels as one empty chunk', () => {
    const h = makeNode('3', ['1', '2', '3']);
    const a = feed(h, chunkOf(new Uint8Array(0), 0, 1000));
    expect(a.answers[0]).toMatchObject({ done: true });
    expect(a.snapshot?.data.byteLength).toBe(0);
  });
});
