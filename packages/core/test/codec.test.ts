import {
  type AppendMessage,
  DEFAULT_MAX_FRAME_BYTES,
  DecodeError,
  decodeMessage,
  EncodeError,
  type Entry,
  type EntryType,
  encodeMessage,
  MESSAGE_TAGS,
  MESSAGE_TYPES,
  type Message,
  type MessageType,
  WIRE_VERSION,
} from '@raftkit/core';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';

// ---------------------------------------------------------------------------
// Arbitraries: one per message type, each producing only valid messages.

const nodeId = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });
const term = fc.nat({ max: 2 ** 40 });
const index = fc.nat({ max: 2 ** 40 });
const bytes = fc.uint8Array({ maxLength: 64 });
const header = { from: nodeId, to: nodeId, term };
const checkpoint = fc.option(fc.record({ index, hash: fc.string({ maxLength: 32 }) }), { nil: null });

const appendArb: fc.Arbitrary<Message> = fc
  .record({
    from: nodeId,
    to: nodeId,
    terms: fc.array(term, { minLength: 2, maxLength: 12 }).map((ts) => ts.sort((a, b) => a - b)),
    types: fc.array(fc.constantFrom<EntryType>(0, 1, 2), { minLength: 12, maxLength: 12 }),
    data: fc.array(bytes, { minLength: 12, maxLength: 12 }),
    prevIndex: index,
    commit: index,
  })
  .map(({ from, to, terms, types, data, prevIndex, commit }) => {
    // Sorted terms: prevTerm <= entry terms (non-decreasing) <= message term.
    const prevTerm = terms[0];
    const msgTerm = terms[terms.length - 1];
    const entries: Entry[] = terms.slice(1, -1).map((t, i) => ({
      index: prevIndex + 1 + i,
      term: t,
      type: types[i],
      data: data[i],
    }));
    return { type: 'append', from, to, term: msgTerm, prevIndex, prevTerm, entries, commit };
  });

const voteArb = (type: 'vote' | 'preVote'): fc.Arbitrary<Message> =>
  fc
    .record({ ...header, lastIndex: index, lastTerm: term, transfer: fc.boolean() })
    .map((m) => ({ ...m, type, term: Math.max(m.term, m.lastTerm) }));

const snapshotArb: fc.Arbitrary<Message> = fc
  .record({
    ...header,
    metaIndex: index,
    metaTerm: term,
    members: fc.uniqueArray(nodeId, { maxLength: 7 }),
    voterCount: fc.nat({ max: 7 }),
    offset: fc.nat({ max: 1 << 20 }),
    slack: fc.nat({ max: 1000 }),
    checksum: fc.nat({ max: 0xffffffff }),
    chunk: bytes,
    done: fc.boolean(),
  })
  .map((r) => ({
    type: 'snapshot' as const,
    from: r.from,
    to: r.to,
    term: Math.max(r.term, r.metaTerm),
    meta: {
      index: r.metaIndex,
      term: r.metaTerm,
      conf: { voters: r.members.slice(0, r.voterCount), learners: r.members.slice(r.voterCount) },
    },
    offset: r.offset,
    totalBytes: r.offset + r.chunk.length + (r.done ? 0 : r.slack),
    checksum: r.checksum,
    chunk: r.chunk,
    done: r.done,
  }));

const arbitraries: Record<MessageType, fc.Arbitrary<Message>> = {
  append: appendArb,
  appendResp: fc
    .record({ ...header, reject: fc.boolean(), index, hintIndex: index, hintTerm: term, checkpoint })
    .map((m) => ({ ...m, type: 'appendResp' as const })),
  vote: voteArb('vote'),
  preVote: voteArb('preVote'),
  voteResp: fc.record({ ...header, reject: fc.boolean() }).map((m) => ({ ...m, type: 'voteResp' as const })),
  preVoteResp: fc
    .record({ ...header, reject: fc.boolean() })
    .map((m) => ({ ...m, type: 'preVoteResp' as const })),
  heartbeat: fc
    .record({ ...header, commit: index, seq: index })
    .map((m) => ({ ...m, type: 'heartbeat' as const })),
  heartbeatResp: fc
    .record({ ...header, seq: index, checkpoint })
    .map((m) => ({ ...m, type: 'heartbeatResp' as const })),
  timeoutNow: fc.record(header).map((m) => ({ ...m, type: 'timeoutNow' as const })),
  readIndex: fc
    .record({ ...header, ctx: fc.maxSafeInteger() })
    .map((m) => ({ ...m, type: 'readIndex' as const })),
  readIndexResp: fc
    .record({ ...header, ctx: fc.maxSafeInteger(), reject: fc.boolean(), index })
    .map((m) => ({ ...m, type: 'readIndexResp' as const })),
  snapshot: snapshotArb,
  snapshotResp: fc
    .record({ ...header, snapshotIndex: index, nextOffset: index, reject: fc.boolean(), done: fc.boolean() })
    .map((m) => ({ ...m, type: 'snapshotResp' as const })),
};

const anyMessage = fc.oneof(...MESSAGE_TYPES.map((t) => arbitraries[t]));

// Frames crafted by hand (bypassing encodeMessage's validation) for the negative cases.
const rawPackr = new Packr({ useRecords: false });
const raw = (value: unknown): Uint8Array => new Uint8Array(rawPackr.pack(value));

function decodeErrorOf(frame: Uint8Array, maxBytes?: number): DecodeError {
  try {
    decodeMessage(frame, maxBytes === undefined ? undefined : { maxBytes });
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error('expected decodeMessage to throw');
}

const sampleAppend: AppendMessage = {
  type: 'append',
  from: 'n1',
  to: 'n2',
  term: 3,
  prevIndex: 10,
  prevTerm: 2,
  entries: [
    { index: 11, term: 2, type: 0, data: new Uint8Array([1, 2, 3]) },
    { index: 12, term: 3, type: 1, data: new Uint8Array() },
  ],
  commit: 9,
};

/** Decode must either yield a message that survives a re-encode round trip, or throw DecodeError. */
function decodesOrRejectsCleanly(frame: Uint8Array): void {
  let msg: Message;
  try {
    msg = decodeMessage(frame);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    expect(['malformed', 'truncated', 'oversized', 'unknownType', 'invalidField']).toContain(err.reason);
    return;
  }
  expect(decodeMessage(encodeMessage(msg))).toEqual(msg);
}

describe('codec round trip', () => {
  it('knows exactly the thirteen message types, each with its own tag', () => {
    expect(MESSAGE_TYPES).toEqual([
      'append',
      'appendResp',
      'vote',
      'voteResp',
      'preVote',
      'preVoteResp',
      'heartbeat',
      'heartbeatResp',
      'timeoutNow',
      'readIndex',
      'readIndexResp',
      'snapshot',
      'snapshotResp',
    ]);
    expect(new Set(Object.values(MESSAGE_TAGS)).size).toBe(13);
  });

  for (const type of MESSAGE_TYPES) {
    it(`round-trips every ${type} message`, () => {
      fc.assert(
        fc.property(arbitraries[type], (msg) => {
          const frame = encodeMessage(msg);
          const back = decodeMessage(frame);
          expect(back).toEqual(msg);
          expect(back.type).toBe(type);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('is deterministic: equal messages give identical bytes', () => {
    fc.assert(
      fc.property(anyMessage, (msg) => {
        const copy = structuredClone(msg);
        expect(encodeMessage(copy)).toEqual(encodeMessage(msg));
      }),
      { numRuns: 100 },
    );
  });

  it('starts every frame with the numeric type tag and the wire version', () => {
    const frame = encodeMessage(sampleAppend);
    // fixarray of 11 elements (10 + the sender's incarnation), tag, version
    expect([...frame.subarray(0, 3)]).toEqual([0x9b, MESSAGE_TAGS.append, WIRE_VERSION]);
  });

  it('is compact: a heartbeat is a handful of bytes and entries carry no index', () => {
    const hb = encodeMessage({ type: 'heartbeat', from: 'n1', to: 'n2', term: 5, commit: 100, seq: 7 });
    expect(hb.byteLength).toBeLessThanOrEqual(14);
    const none = encodeMessage({ ...sampleAppend, entries: [] });
    const two = encodeMessage(sampleAppend);
    // per entry: term, type and length (1 byte each here) + its payload bytes; no per-entry headers
    expect(two.byteLength - none.byteLength).toBe(3 + 3 + 3 + 0);
  });

  it('returns plain Uint8Arrays, never Buffers nor views of the frame, also when given a Buffer', () => {
    const frame = encodeMessage(sampleAppend);
    expect(frame.constructor).toBe(Uint8Array);
    expect(frame.byteOffset).toBe(0);
    expect(frame.buffer.byteLength).toBe(frame.byteLength); // transferable without side effects
    const input = Buffer.from(frame);
    const back = decodeMessage(input);
    if (back.type !== 'append') throw new Error('expected append');
    for (const e of back.entries) {
      expect(e.data.constructor).toBe(Uint8Array);
      expect(e.data.buffer).not.toBe(input.buffer);
      // one private copy of the payload section per message
      expect(e.data.buffer).toBe(back.entries[0].data.buffer);
      expect(e.data.buffer.byteLength).toBe(3);
    }
    const snap = decodeMessage(
      encodeMessage({
        type: 'snapshot',
        from: 'a',
        to: 'b',
        term: 1,
        meta: { index: 1, term: 1, conf: { voters: ['a'], learners: [] } },
        offset: 0,
        totalBytes: 2,
        checksum: 0,
        chunk: Buffer.from([1, 2]),
        done: true,
      }),
    );
    if (snap.type !== 'snapshot') throw new Error('expected snapshot');
    expect(snap.chunk.constructor).toBe(Uint8Array);
    expect(snap.chunk.buffer.byteLength).toBe(2);
  });

  it('does not alias the frame: mutating the frame later leaves decoded payloads intact', () => {
    const frame = encodeMessage(sampleAppend);
    const back = decodeMessage(frame);
    frame.fill(0);
    expect(back).toEqual(sampleAppend);
  });

  it('leaves the frame object untouched (no cached properties added to it)', () => {
    const frame = encodeMessage(sampleAppend);
    decodeMessage(frame);
    expect(Object.getOwnPropertyNames(frame).filter((k) => !/^\d+$/.test(k))).toEqual([]);
  });
});

describe('codec rejects bad frames with DecodeError', () => {
  it('oversized: rejected before parsing', () => {
    const garbage = new Uint8Array(100).fill(0xc1); // would be 'malformed' if parsed
    const err = decodeErrorOf(garbage, 99);
    expect(err.reason).toBe('oversized');
    expect(err.code).toBe('DECODE');
    expect(decodeErrorOf(encodeMessage(sampleAppend), 10).reason).toBe('oversized');
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(64 * 1024 * 1024);
  });

  it('oversized: the default limit applies without options', () => {
    const big = new Uint8Array(DEFAULT_MAX_FRAME_BYTES + 1);
    expect(decodeErrorOf(big).reason).toBe('oversized');
  });

  it('truncated: every proper prefix of a valid frame', () => {
    const frame = encodeMessage(sampleAppend);
    for (let len = 0; len < frame.length; len++) {
      expect(decodeErrorOf(frame.subarray(0, len)).reason).toBe('truncated');
    }
  });

  it('truncated: absurd lengths claimed by array, string and bin headers fail fast', () => {
    const absurd = [
      [0xdd, 0xff, 0xff, 0xff, 0xff, 1], // array32 of 4 billion elements
      [0x95, 9, 1, 0xdb, 0xff, 0xff, 0xff, 0xf0, 0x61], // str32 of ~4 GB
      [0x9a, 1, 1, 0xa1, 0x61, 0xa1, 0x62, 3, 0, 0, 0x90, 0xc6, 0x7f, 0xff, 0xff, 0xff], // bin32 of 2 GB
    ];
    for (const bytes of absurd) expect(decodeErrorOf(new Uint8Array(bytes)).reason).toBe('truncated');
  });

  it('malformed: invalid msgpack, trailing bytes, a non-array, not bytes at all', () => {
    expect(decodeErrorOf(new Uint8Array([0xc1])).reason).toBe('malformed');
    const frame = encodeMessage(sampleAppend);
    const trailing = new Uint8Array([...frame, 0]);
    expect(decodeErrorOf(trailing).reason).toBe('malformed');
    expect(decodeErrorOf(raw('hello')).reason).toBe('malformed');
    expect(decodeErrorOf(raw({ type: 'append' })).reason).toBe('malformed');
    expect(decodeErrorOf(raw([1])).reason).toBe('malformed');
    expect(decodeErrorOf('not bytes' as unknown as Uint8Array).reason).toBe('malformed');
  });

  it('unknownType: an unknown or non-numeric tag', () => {
    expect(decodeErrorOf(raw([99, WIRE_VERSION, 'a', 'b', 1])).reason).toBe('unknownType');
    expect(decodeErrorOf(raw([0, WIRE_VERSION, 'a', 'b', 1])).reason).toBe('unknownType');
    expect(decodeErrorOf(raw(['append', WIRE_VERSION, 'a', 'b', 1])).reason).toBe('unknownType');
    // hostile shapes must not break the error path itself (String() of this object would throw)
    expect(decodeErrorOf(raw([{ toString: 1 }, WIRE_VERSION, 'a', 'b', 1])).reason).toBe('unknownType');
    expect(decodeErrorOf(raw([MESSAGE_TAGS.timeoutNow, { toString: 1 }, 'a', 'b', 1])).reason).toBe(
      'invalidField',
    );
  });

  const tn = MESSAGE_TAGS.timeoutNow;
  const hb = MESSAGE_TAGS.heartbeat;
  const ap = MESSAGE_TAGS.append;
  const sn = MESSAGE_TAGS.snapshot;
  const bin = (n: number) => new Uint8Array(n);
  const invalidFields: Array<[string, unknown]> = [
    ['wrong array length', [tn, WIRE_VERSION, 'a', 'b', 1, 'extra']],
    ['missing field', [hb, WIRE_VERSION, 'a', 'b', 1, 5]],
    ['unsupported wire version', [tn, 2, 'a', 'b', 1]],
    ['negative term', [tn, WIRE_VERSION, 'a', 'b', -1]],
    ['fractional term', [tn, WIRE_VERSION, 'a', 'b', 1.5]],
    ['term beyond 2^53', [tn, WIRE_VERSION, 'a', 'b', 2 ** 60]],
    ['string term', [tn, WIRE_VERSION, 'a', 'b', '1']],
    ['numeric node id', [tn, WIRE_VERSION, 1, 'b', 1]],
    ['empty node id', [tn, WIRE_VERSION, 'a', '', 1]],
    ['absurdly long node id', [tn, WIRE_VERSION, 'x'.repeat(10_000), 'b', 1]],
    ['null commit', [hb, WIRE_VERSION, 'a', 'b', 1, null, 0]],
    ['negative index', [hb, WIRE_VERSION, 'a', 'b', 1, -5, 0]],
    ['entries not triples', [ap, WIRE_VERSION, 'a', 'b', 3, 0, 0, [1, 0], bin(0), 0]],
    ['entry term below prevTerm', [ap, WIRE_VERSION, 'a', 'b', 3, 4, 2, [1, 0, 1], bin(1), 0]],
    ['entry term above message term', [ap, WIRE_VERSION, 'a', 'b', 3, 4, 2, [4, 0, 1], bin(1), 0]],
    ['decreasing entry terms', [ap, WIRE_VERSION, 'a', 'b', 3, 4, 1, [3, 0, 1, 2, 0, 1], bin(2), 0]],
    ['unknown entry type', [ap, WIRE_VERSION, 'a', 'b', 3, 4, 2, [3, 7, 1], bin(1), 0]],
    ['entry payloads not bytes', [ap, WIRE_VERSION, 'a', 'b', 3, 4, 2, [3, 0, 1], 'x', 0]],
    ['entry payloads shorter than the lengths', [ap, WIRE_VERSION, 'a', 'b', 3, 4, 2, [3, 0, 5], bin(2), 0]],
    ['entry payloads longer than the lengths', [ap, WIRE_VERSION, 'a', 'b', 3, 4, 2, [3, 0, 1], bin(3), 0]],
    ['negative entry length', [ap, WIRE_VERSION, 'a', 'b', 3, 4, 2, [3, 0, -1], bin(0), 0]],
    ['prevTerm above term', [ap, WIRE_VERSION, 'a', 'b', 3, 4, 5, [], bin(0), 0]],
    ['entries not an array', [ap, WIRE_VERSION, 'a', 'b', 3, 4, 2, { 0: 1 }, bin(0), 0]],
    ['reject not boolean', [MESSAGE_TAGS.voteResp, WIRE_VERSION, 'a', 'b', 1, 0]],
    ['checkpoint malformed', [MESSAGE_TAGS.heartbeatResp, WIRE_VERSION, 'a', 'b', 1, 0, [1]]],
    ['chunk beyond totalBytes', [sn, WIRE_VERSION, 'a', 'b', 2, [5, 1, ['a'], []], 10, 12, 0, bin(5), false]],
    ['done before the end', [sn, WIRE_VERSION, 'a', 'b', 2, [5, 1, ['a'], []], 0, 12, 0, bin(5), true]],
    ['duplicate member', [sn, WIRE_VERSION, 'a', 'b', 2, [5, 1, ['a'], ['a']], 0, 5, 0, bin(5), true]],
    [
      'checksum beyond uint32',
      [sn, WIRE_VERSION, 'a', 'b', 2, [5, 1, ['a'], []], 0, 5, 2 ** 32, bin(5), true],
    ],
    [
      'snapshot term above message term',
      [sn, WIRE_VERSION, 'a', 'b', 2, [5, 3, ['a'], []], 0, 5, 0, bin(5), true],
    ],
    ['lastTerm above term', [MESSAGE_TAGS.vote, WIRE_VERSION, 'a', 'b', 2, 5, 3, false]],
  ];
  for (const [name, wire] of invalidFields) {
    it(`invalidField: ${name}`, () => {
      const err = decodeErrorOf(raw(wire));
      expect(err.reason).toBe('invalidField');
      expect(err.message.length).toBeGreaterThan(0);
    });
  }

  it('invalidField: a uint64 beyond the safe range is rejected, never a BigInt', () => {
    // [timeoutNow, 1, 'a', 'b', uint64 2^63]
    const frame = new Uint8Array([
      0x95,
      tn,
      WIRE_VERSION,
      0xa1,
      0x61,
      0xa1,
      0x62,
      0xcf,
      0x80,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    ]);
    expect(decodeErrorOf(frame).reason).toBe('invalidField');
  });

  it('invalid UTF-8 (a CESU-encoded surrogate) never yields a string that cannot round-trip', () => {
    // [timeoutNow, 1, "\uD800", 'b', 1] with the surrogate written as ED A0 80
    const frame = new Uint8Array([0x95, tn, WIRE_VERSION, 0xa3, 0xed, 0xa0, 0x80, 0xa1, 0x62, 1]);
    decodesOrRejectsCleanly(frame);
  });

  it('never returns a message when any part is bad: msgpack extensions are rejected, not half-read', () => {
    // [timeoutNow, 1, 'a', 'b', <timestamp ext>]: msgpackr makes a Date, the codec must refuse it.
    const frame = new Uint8Array([0x95, tn, WIRE_VERSION, 0xa1, 0x61, 0xa1, 0x62, 0xd6, 0xff, 0, 0, 0, 1]);
    expect(decodeErrorOf(frame).reason).toBe('invalidField');
  });
});

describe('codec fuzzing: anything either decodes to a valid message or throws DecodeError', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodesOrRejectsCleanly), { numRuns: 2000 });
  });

  it('random bytes behind a plausible frame header', () => {
    const prefix = fc.constantFrom(...MESSAGE_TYPES.map((t) => MESSAGE_TAGS[t]));
    fc.assert(
      fc.property(prefix, fc.nat({ max: 15 }), fc.uint8Array({ maxLength: 120 }), (tag, len, rest) => {
        decodesOrRejectsCleanly(new Uint8Array([0x90 | len, tag, WIRE_VERSION, ...rest]));
      }),
      { numRuns: 2000 },
    );
  });

  it('valid frames with flipped bits', () => {
    fc.assert(
      fc.property(anyMessage, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (msg, flips) => {
        const frame = encodeMessage(msg);
        for (const f of flips) frame[f % frame.length] ^= 1 << (f % 8);
        decodesOrRejectsCleanly(frame);
      }),
      { numRuns: 1000 },
    );
  });

  it('valid frames truncated anywhere', () => {
    fc.assert(
      fc.property(anyMessage, fc.nat(), (msg, cut) => {
        const frame = encodeMessage(msg);
        const err = decodeErrorOf(frame.subarray(0, cut % frame.length));
        expect(err.reason).toBe('truncated');
      }),
      { numRuns: 300 },
    );
  });

  it('valid frames with garbage appended', () => {
    fc.assert(
      fc.property(anyMessage, fc.uint8Array({ minLength: 1, maxLength: 16 }), (msg, garbage) => {
        const frame = encodeMessage(msg);
        expect(decodeErrorOf(new Uint8Array([...frame, ...garbage])).reason).toBe('malformed');
      }),
      { numRuns: 300 },
    );
  });

  it('valid frames with bytes overwritten', () => {
    fc.assert(
      fc.property(anyMessage, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), (msg, at, patch) => {
        const frame = encodeMessage(msg);
        frame.set(patch.subarray(0, Math.max(0, frame.length - (at % frame.length))), at % frame.length);
        decodesOrRejectsCleanly(frame);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('encodeMessage refuses invalid messages with EncodeError', () => {
  const cases: Array<[string, unknown]> = [
    ['negative term', { type: 'timeoutNow', from: 'a', to: 'b', term: -1 }],
    ['unknown type', { type: 'gossip', from: 'a', to: 'b', term: 1 }],
    ['lone surrogate in a node id', { type: 'timeoutNow', from: '\ud800', to: 'b', term: 1 }],
    [
      'non-consecutive entry indices',
      { ...sampleAppend, entries: [{ index: 13, term: 3, type: 0, data: new Uint8Array() }] },
    ],
    ['missing field', { type: 'heartbeat', from: 'a', to: 'b', term: 1, seq: 0 }],
    ['data that is not bytes', { ...sampleAppend, entries: [{ index: 11, term: 3, type: 0, data: [1, 2] }] }],
    ['not an object', null],
  ];
  for (const [name, msg] of cases) {
    it(name, () => {
      expect(() => encodeMessage(msg as Message)).toThrow(EncodeError);
    });
  }
});
