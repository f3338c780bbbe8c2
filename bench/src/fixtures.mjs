// The shapes every row shares: a typical AppendEntries and 100-byte values.
import { encodeMessage } from '@raftkit/core';

export const VALUE_BYTES = 100;
/** The 100-byte value of every put. */
export const VALUE = 'v'.repeat(VALUE_BYTES);

function payload(i) {
  const b = new Uint8Array(VALUE_BYTES);
  for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j) & 0xff;
  return b;
}

/** A leader's AppendEntries carrying 64 entries of 100 B: what a busy leader sends. */
export function typicalAppend() {
  return {
    type: 'append',
    from: 'n1',
    to: 'n2',
    term: 7,
    prevIndex: 100_000,
    prevTerm: 7,
    entries: Array.from({ length: 64 }, (_, i) => ({
      index: 100_001 + i,
      term: 7,
      type: 0,
      data: payload(i),
    })),
    commit: 99_990,
  };
}

/** Its msgpack frame (encodeMessage), as the runtime puts it on the wire. */
export const typicalAppendFrame = () => encodeMessage(typicalAppend());
