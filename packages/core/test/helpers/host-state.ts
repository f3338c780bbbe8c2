/**
 * The "state machine" of the test hosts: a CRC-32 chain over every applied
 * entry (index, term, type, data). Two nodes with equal (appliedIndex, hash)
 * applied the same entries; a snapshot carries the pair (plus optional
 * padding, to make transfers span many chunks) and restoring it continues the
 * chain, so divergence is caught across snapshots and restarts too.
 */
import { crc32, type Entry } from '@raftkit/core';

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface HostState {
  readonly index: number;
  readonly hash: number;
}

export const INITIAL_STATE: HostState = { index: 0, hash: 0 };

export function applyToState(s: HostState, e: Entry): HostState {
  if (e.index !== s.index + 1) {
    throw new Error(`host applied index ${e.index} after ${s.index}: the Ready contract was broken`);
  }
  const head = crc32(enc.encode(`${e.index}:${e.term}:${e.type}:`), s.hash);
  return { index: e.index, hash: crc32(e.data, head) };
}

/** [4-byte header length][JSON header][padding]: the padding is a deterministic byte pattern. */
export function encodeHostSnapshot(s: HostState, padBytes = 0): Uint8Array {
  const header = enc.encode(JSON.stringify(s));
  const out = new Uint8Array(4 + header.length + padBytes);
  new DataView(out.buffer).setUint32(0, header.length);
  out.set(header, 4);
  for (let i = 0; i < padBytes; i++) out[4 + header.length + i] = (i * 31 + s.index) & 0xff;
  return out;
}

export function decodeHostSnapshot(data: Uint8Array): HostState {
  const len = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
  const s = JSON.parse(dec.decode(data.subarray(4, 4 + len))) as HostState;
  if (!Number.isSafeInteger(s.index) || !Number.isSafeInteger(s.hash)) throw new Error('bad host snapshot');
  return s;
}
