/**
 * The ConfChange entry format and the pure rule that applies one change.
 * Decoding is strict: a payload decodes to a record whose configuration
 * agrees with its change, or throws DecodeError; never anything else.
 */
import {
  applyConfChange,
  CONF_CHANGE_VERSION,
  type ConfChangeRecord,
  DecodeError,
  decodeConfChange,
  EncodeError,
  encodeConfChange,
  InvalidArgumentError,
} from '@raftkit/core';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';

const packr = new Packr({ useRecords: false });
const raw = (v: unknown) => new Uint8Array(packr.pack(v));

const base = { voters: ['a', 'b', 'c'], learners: ['d'] };

describe('applyConfChange', () => {
  it('addLearner, promote and remove produce the next configuration (the input is not modified)', () => {
    expect(applyConfChange(base, { type: 'addLearner', node: 'e' })).toEqual({
      voters: ['a', 'b', 'c'],
      learners: ['d', 'e'],
    });
    expect(applyConfChange(base, { type: 'promote', node: 'd' })).toEqual({
      voters: ['a', 'b', 'c', 'd'],
      learners: [],
    });
    expect(applyConfChange(base, { type: 'remove', node: 'b' })).toEqual({
      voters: ['a', 'c'],
      learners: ['d'],
    });
    expect(applyConfChange(base, { type: 'remove', node: 'd' })).toEqual({
      voters: ['a', 'b', 'c'],
      learners: [],
    });
    expect(base).toEqual({ voters: ['a', 'b', 'c'], learners: ['d'] });
  });

  it('refuses changes that do not fit with InvalidArgumentError', () => {
    for (const bad of [
      { type: 'addLearner', node: 'a' },
      { type: 'addLearner', node: 'd' },
      { type: 'promote', node: 'a' },
      { type: 'promote', node: 'z' },
      { type: 'remove', node: 'z' },
      { type: 'bogus', node: 'a' },
      { type: 'remove', node: '' },
      { type: 'remove' },
      null,
    ]) {
      expect(() => applyConfChange(base, bad as never)).toThrow(InvalidArgumentError);
    }
    expect(() => applyConfChange({ voters: ['a'], learners: [] }, { type: 'remove', node: 'a' })).toThrow(
      /last voter/,
    );
  });
});

describe('ConfChange entry codec', () => {
  const record: ConfChangeRecord = {
    change: { type: 'promote', node: 'd' },
    conf: { voters: ['a', 'b', 'c', 'd'], learners: [] },
  };

  it('round-trips, deterministically, with the whole resulting configuration', () => {
    const a = encodeConfChange(record);
    expect(decodeConfChange(a)).toEqual(record);
    expect(encodeConfChange(record)).toEqual(a);
    for (const type of ['addLearner', 'promote', 'remove'] as const) {
      const node = type === 'remove' ? 'b' : 'd';
      const conf = applyConfChange(type === 'promote' ? base : { voters: base.voters, learners: [] }, {
        type,
        node,
      });
      expect(decodeConfChange(encodeConfChange({ change: { type, node }, conf }))).toEqual({
        change: { type, node },
        conf,
      });
    }
  });

  it('refuses to encode a record whose configuration contradicts the change', () => {
    expect(() =>
      encodeConfChange({ change: { type: 'remove', node: 'a' }, conf: { voters: ['a'], learners: [] } }),
    ).toThrow(EncodeError);
    expect(() =>
      encodeConfChange({ change: { type: 'addLearner', node: 'x' }, conf: { voters: ['a'], learners: [] } }),
    ).toThrow(EncodeError);
  });

  it('rejects malformed payloads with DecodeError', () => {
    const v = CONF_CHANGE_VERSION;
    const cases: unknown[] = [
      [v + 1, 1, 'd', ['a', 'd'], []], // unknown version
      [v, 7, 'd', ['a', 'd'], []], // unknown change type
      [v, 1, '', ['a'], []], // empty node id
      [v, 1, 'd', ['a', 'd', 'd'], []], // duplicate member
      [v, 0, 'd', ['a'], ['d', 'a']], // voter and learner at once
      [v, 0, 'd', [], ['d']], // no voters
      [v, 1, 'd', ['a'], ['d']], // promote, but d is not a voter
      [v, 2, 'a', ['a'], []], // remove, but a is still there
      [v, 1, 'd', ['a', 'd']], // missing field
      'not an array',
    ];
    for (const c of cases) expect(() => decodeConfChange(raw(c))).toThrow(DecodeError);
    expect(() => decodeConfChange(new Uint8Array(0))).toThrow(DecodeError);
    expect(() => decodeConfChange(new Uint8Array([0xc1]))).toThrow(DecodeError);
  });

  it('random bytes never decode into anything but a DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decodeConfChange(b);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
