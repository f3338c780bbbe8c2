/**
 * Leader side of InstallSnapshot in chunks, for one follower. Stop-and-wait:
 * one chunk is in flight at a time; the follower's answer names the offset it
 * wants next (`nextOffset`), so a lost chunk, a lost answer or a duplicate
 * all resolve to "send from where the follower stands". A chunk that got no
 * answer is resent once a later heartbeat round was answered (the same rule
 * as a lost append), so a transfer never stalls on one lost message.
 *
 * The snapshot object is held for the whole transfer, even if the host takes
 * a newer one meanwhile: the follower assembles one consistent snapshot.
 */
import { crc32 } from './checksum.js';
import type { NodeId, Snapshot, SnapshotMessage } from './types.js';

/** CRC-32 of each snapshot's data, computed once however many followers get it. */
const checksums = new WeakMap<Uint8Array, number>();

export function snapshotChecksum(snapshot: Snapshot): number {
  let c = checksums.get(snapshot.data);
  if (c === undefined) {
    c = crc32(snapshot.data);
    checksums.set(snapshot.data, c);
  }
  return c;
}

export class OutgoingSnapshot {
  readonly checksum: number;
  /** Where the follower wants the next chunk to start. */
  offset = 0;
  /** A chunk starting at `offset` was sent and not answered yet. */
  inFlight = false;
  /** The heartbeat round current when the last chunk was sent (lost-chunk detection). */
  sentRound = 0;
  /** Chunks sent, resends included (for status and tests). */
  chunksSent = 0;

  constructor(
    readonly snapshot: Snapshot,
    private readonly chunkBytes: number,
  ) {
    this.checksum = snapshotChecksum(snapshot);
  }

  get index(): number {
    return this.snapshot.meta.index;
  }

  get totalBytes(): number {
    return this.snapshot.data.byteLength;
  }

  /**
   * The follower answered that it wants bytes from `nextOffset`. Returns
   * true when a chunk should be sent now (false: that very chunk is already
   * in flight, e.g. an answer to a duplicate).
   */
  onProgress(nextOffset: number): boolean {
    const next = Math.min(nextOffset, this.totalBytes);
    if (this.inFlight && next === this.offset) return false;
    this.offset = next;
    this.inFlight = false;
    return true;
  }

  /** The chunk at `offset`, as a message from the leader of `term`. */
  nextChunk(from: NodeId, to: NodeId, term: number, round: number): SnapshotMessage {
    const end = Math.min(this.totalBytes, this.offset + this.chunkBytes);
    this.inFlight = true;
    this.sentRound = round;
    this.chunksSent++;
    return {
      type: 'snapshot',
      from,
      to,
      term,
      meta: this.snapshot.meta,
      offset: this.offset,
      totalBytes: this.totalBytes,
      checksum: this.checksum,
      chunk: this.snapshot.data.subarray(this.offset, end),
      done: end === this.totalBytes,
    };
  }
}
