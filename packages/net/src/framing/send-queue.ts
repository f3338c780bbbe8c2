/**
 * A bounded FIFO of encoded frames waiting for the socket.
 *
 * Raft frames are droppable: when the queue is full, the oldest droppable
 * frames are discarded to make room (Raft retransmits, and a fresh message is
 * worth more than a stale one). Control frames (handshake, pings, client
 * responses) are never dropped; if one does not fit even after dropping every
 * droppable frame, `push` returns 'overflow' and the owner closes the
 * connection: the peer is not reading.
 */

export interface SendQueueLimits {
  /** Max frames held. Default 4096. */
  readonly maxFrames?: number;
  /** Max bytes held. Default 32 MiB. */
  readonly maxBytes?: number;
}

export const DEFAULT_SEND_QUEUE_LIMITS: Required<SendQueueLimits> = {
  maxFrames: 4096,
  maxBytes: 32 * 1024 * 1024,
};

interface QueuedFrame {
  readonly bytes: Buffer;
  readonly droppable: boolean;
}

export type PushResult = 'queued' | 'overflow';

export class BoundedSendQueue {
  private items: (QueuedFrame | undefined)[] = [];
  private head = 0;
  private count = 0;
  private bytesHeld = 0;
  private droppableCount = 0;
  private droppedFrames = 0;
  private droppedBytes = 0;
  readonly maxFrames: number;
  readonly maxBytes: number;

  constructor(limits: SendQueueLimits = {}) {
    this.maxFrames = limits.maxFrames ?? DEFAULT_SEND_QUEUE_LIMITS.maxFrames;
    this.maxBytes = limits.maxBytes ?? DEFAULT_SEND_QUEUE_LIMITS.maxBytes;
  }

  get length(): number {
    return this.count;
  }
  get bytes(): number {
    return this.bytesHeld;
  }
  /** Frames dropped to make room since creation. */
  get dropped(): number {
    return this.droppedFrames;
  }
  get droppedByteCount(): number {
    return this.droppedBytes;
  }

  /**
   * Queue a frame. Returns how many older droppable frames were discarded, or
   * 'overflow' when the frame cannot fit (it is then not queued; a droppable
   * frame larger than the whole byte budget is counted as dropped instead).
   */
  push(bytes: Buffer, droppable: boolean): { result: PushResult; droppedNow: number } {
    let droppedNow = 0;
    if (bytes.length > this.maxBytes) {
      if (!droppable) return { result: 'overflow', droppedNow };
      this.countDrop(bytes.length);
      return { result: 'queued', droppedNow: 1 };
    }
    while (!this.fits(bytes.length) && this.droppableCount > 0) {
      this.dropOldestDroppable();
      droppedNow++;
    }
    if (!this.fits(bytes.length)) return { result: 'overflow', droppedNow };
    this.items.push({ bytes, droppable });
    this.count++;
    this.bytesHeld += bytes.length;
    if (droppable) this.droppableCount++;
    return { result: 'queued', droppedNow };
  }

  /** Remove and return the oldest frame, or undefined when empty. */
  shift(): Buffer | undefined {
    while (this.head < this.items.length) {
      const item = this.items[this.head];
      this.items[this.head] = undefined;
      this.head++;
      if (item) {
        this.count--;
        this.bytesHeld -= item.bytes.length;
        if (item.droppable) this.droppableCount--;
        this.compact();
        return item.bytes;
      }
    }
    return undefined;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.count = 0;
    this.bytesHeld = 0;
    this.droppableCount = 0;
  }

  private fits(size: number): boolean {
    return this.count + 1 <= this.maxFrames && this.bytesHeld + size <= this.maxBytes;
  }

  private dropOldestDroppable(): void {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item?.droppable) {
        this.items[i] = undefined;
        this.count--;
        this.bytesHeld -= item.bytes.length;
        this.droppableCount--;
        this.countDrop(item.bytes.length);
        return;
      }
    }
  }

  private countDrop(size: number): void {
    this.droppedFrames++;
    this.droppedBytes += size;
  }

  /** Reclaim the consumed prefix once it dominates the array. */
  private compact(): void {
    if (this.count === 0) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
