import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry, EntryType } from '@raftkit/core';

export function tempDir(prefix = 'raftkit-rt-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function entry(index: number, term: number, text = `e${index}`, type: EntryType = 0): Entry {
  return { index, term, type, data: new TextEncoder().encode(text) };
}

export function text(e: Entry): string {
  return new TextDecoder().decode(e.data);
}
