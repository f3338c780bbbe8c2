/**
 * Follower side of InstallSnapshot in chunks. Chunks are taken strictly in
 * order: a chunk at the expected offset is kept, anything else (a duplicate,
 * or a gap after a lost chunk) only tells the leader where to resume. So the
 * memory held is at most one snapshot, never more than `totalBytes`, which is
 * bounded by `maxSnapshotBytes` before the first byte is kept.
 *
 * A CRC-32 runs over the chunks as they arrive; the snapshot is handed back
 * only when all bytes are there and the checksum matches. Nothing of the
 * node's state is touched before that: a bad snapshot leaves it as it was.
 * A transfer belongs to one leader term; `abort()` drops it (term change).
 */
import { crc32 } from './checksum.js';
import type {
  IncomingSnapshotStatus,
  NodeId,
  Snapshot,
  SnapshotMessage,
  SnapshotRejectReason,
} from './types.js';

export type ReceiveResult =
  /** More bytes are needed: ask the leader to send from `nextOffset`. */
  | { readonly kind: 'progress'; readonly nextOffset: number }
  /** All bytes arrived and the checksum matches. */
  | { readonly kind: 'complete'; readonly snapshot: Snapshot }
  | {
      readonly kind: 'rejected';
      readonly reason: SnapshotRejectReason;
      readonly actualChecksum: number | null;
    };

interface Transfer {
  readonly from: NodeId;
  readonly term: number;
  readonly index: number;
  readonly snapshotTerm: number;
  readonly totalBytes: number;
  readonly checksum: number;
  readonly chunks: Uint8Array[];
  received: number;
  crc: number;
}

export class SnapshotReceiver {
  private cur: Transfer | null = null;

  constructor(private readonly maxBytes: number) {}

  /** The transfer in progress (bytes buffered so far), or null. */
  status(): IncomingSnapshotStatus | null {
    const t = this.cur;
    return t && { from: t.from, index: t.index, receivedBytes: t.received, totalBytes: t.totalBytes };
  }

  /** Drop any partial transfer (term change, or the snapshot is no longer needed). */
  abort(): void {
    this.cur = null;
  }

  accept(m: SnapshotMessage): ReceiveResult {
    // Refused before a byte is kept (a transfer in progress, if any, is another one: left alone).
    if (m.totalBytes > this.maxBytes) return { kind: 'rejected', reason: 'tooLarge', actualChecksum: null };
    if (m.meta.conf.voters.length === 0)
      return { kind: 'rejected', reason: 'invalidMeta', actualChecksum: null };
    let t = this.cur;
    if (t === null || !sameTransfer(t, m)) {
      // A different snapshot (or none in progress): only its first chunk can start it. A
      // late chunk of an older transfer must not disturb the one in progress.
      if (m.offset !== 0) return { kind: 'progress', nextOffset: 0 };
      t = {
        from: m.from,
        term: m.term,
        index: m.meta.index,
        snapshotTerm: m.meta.term,
        totalBytes: m.totalBytes,
        checksum: m.checksum,
        chunks: [],
        received: 0,
        crc: 0,
      };
      this.cur = t;
    }
    if (m.offset !== t.received) return { kind: 'progress', nextOffset: t.received };
    if (m.chunk.byteLength > 0) {
      t.chunks.push(m.chunk);
      t.received += m.chunk.byteLength;
      t.crc = crc32(m.chunk, t.crc);
    }
    if (t.received < t.totalBytes) return { kind: 'progress', nextOffset: t.received };
    this.cur = null;
    if (t.crc !== t.checksum) return { kind: 'rejected', reason: 'checksumMismatch', actualChecksum: t.crc };
    return { kind: 'complete', snapshot: { meta: m.meta, data: concat(t.chunks, t.totalBytes) } };
  }
}

function sameTransfer(t: Transfer, m: SnapshotMessage): boolean {
  return (
    t.from === m.from &&
    t.term === m.term &&
    t.index === m.meta.index &&
    t.snapshotTerm === m.meta.term &&
    t.totalBytes === m.totalBytes &&
    t.checksum === m.checksum
  );
}

/** The chunks as one private buffer (never a view of a message the sender may reuse). */
function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
