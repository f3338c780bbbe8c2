import type { MemoryStorage, Ready } from '@raftkit/core';

/** Step 1 of the Ready contract: make the Ready's state durable. */
export function persistReady(storage: MemoryStorage, rd: Ready, opts: { sync?: boolean } = {}): void {
  if (rd.snapshot) storage.applySnapshot(rd.snapshot);
  if (rd.entries.length > 0) storage.append(rd.entries);
  if (rd.hardState) storage.setHardState(rd.hardState);
  if (opts.sync ?? true) storage.sync();
}
