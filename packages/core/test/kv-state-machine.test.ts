import {
  ConfigError,
  DecodeError,
  decodeKvRequest,
  EncodeError,
  type Entry,
  EntryType,
  encodeKvRequest,
  InvalidSnapshotError,
  type KvCommand,
  type KvRequest,
  KvStateMachine,
  OutOfOrderApplyError,
} from '@raftkit/core';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';

/** Drives a KvStateMachine like a host does: one committed entry after another. */
class Host {
  readonly sm: KvStateMachine;
  constructor(opts?: { maxSessions?: number }) {
    this.sm = new KvStateMachine(opts);
  }
  private next(): number {
    return this.sm.appliedIndex + 1;
  }
  run(cmd: KvCommand, session?: { clientId: string; seq: number }) {
    const req: KvRequest = session === undefined ? { cmd } : { cmd, session };
    return this.sm.apply({ index: this.next(), term: 1, type: EntryType.Normal, data: encodeKvRequest(req) });
  }
  raw(data: Uint8Array) {
    return this.sm.apply({ index: this.next(), term: 1, type: EntryType.Normal, data });
  }
  noop(type: EntryType = EntryType.NoOp) {
    return this.sm.apply({ index: this.next(), term: 1, type, data: new Uint8Array() });
  }
}

const put = (key: string, value: string): KvCommand => ({ op: 'put', key, value });
const del = (key: string): KvCommand => ({ op: 'delete', key });
const cas = (key: string, expected: string | null, value: string): KvCommand => ({
  op: 'cas',
  key,
  expected,
  value,
});
const append = (key: string, value: string): KvCommand => ({ op: 'append', key, value });

const rawPackr = new Packr({ useRecords: false });
const raw = (value: unknown): Uint8Array => new Uint8Array(rawPackr.pack(value));

/** The logical KV content, order-independent. */
function contents(sm: KvStateMachine): Array<[string, string]> {
  return [...sm.keys()].sort().map((k) => [k, sm.get(k) as string]);
}

describe('KV operations', () => {
  it('put returns the previous value and get reads the applied state', () => {
    const h = new Host();
    expect(h.run(put('a', '1'))).toEqual({ ok: true, op: 'put', prev: null });
    expect(h.run(put('a', '2'))).toEqual({ ok: true, op: 'put', prev: '1' });
    expect(h.sm.get('a')).toBe('2');
    expect(h.sm.get('missing')).toBeUndefined();
    expect(h.sm.size).toBe(1);
    expect(h.sm.appliedIndex).toBe(2);
  });

  it('delete removes the key and returns what it held; deleting an absent key changes nothing', () => {
    const h = new Host();
    h.run(put('a', '1'));
    const before = h.sm.hash();
    expect(h.run(del('zz'))).toEqual({ ok: true, op: 'delete', prev: null });
    expect(h.sm.hash()).toBe(before);
    expect(h.run(del('a'))).toEqual({ ok: true, op: 'delete', prev: '1' });
    expect(h.sm.get('a')).toBeUndefined();
    expect(h.sm.size).toBe(0);
  });

  it('cas swaps only when the current value equals expected', () => {
    const h = new Host();
    h.run(put('a', '1'));
    expect(h.run(cas('a', '0', '2'))).toEqual({ ok: true, op: 'cas', swapped: false, prev: '1' });
    expect(h.sm.get('a')).toBe('1');
    expect(h.run(cas('a', '1', '2'))).toEqual({ ok: true, op: 'cas', swapped: true, prev: '1' });
    expect(h.sm.get('a')).toBe('2');
  });

  it('cas with expected null swaps only if the key is absent', () => {
    const h = new Host();
    expect(h.run(cas('a', null, 'x'))).toEqual({ ok: true, op: 'cas', swapped: true, prev: null });
    expect(h.run(cas('a', null, 'y'))).toEqual({ ok: true, op: 'cas', swapped: false, prev: 'x' });
    expect(h.sm.get('a')).toBe('x');
    // An empty string is a present value, not absence.
    h.run(put('e', ''));
    expect(h.run(cas('e', null, 'z'))).toEqual({ ok: true, op: 'cas', swapped: false, prev: '' });
  });

  it('append concatenates, creating the key when absent', () => {
    const h = new Host();
    expect(h.run(append('l', 'a'))).toEqual({ ok: true, op: 'append', prev: null });
    expect(h.run(append('l', 'bc'))).toEqual({ ok: true, op: 'append', prev: 'a' });
    expect(h.sm.get('l')).toBe('abc');
  });

  it('NoOp and ConfChange entries advance appliedIndex, return null and change nothing', () => {
    const h = new Host();
    h.run(put('a', '1'));
    const before = h.sm.hash();
    expect(h.noop(EntryType.NoOp)).toBeNull();
    expect(h.noop(EntryType.ConfChange)).toBeNull();
    expect(h.sm.appliedIndex).toBe(3);
    expect(h.sm.hash()).toBe(before);
  });

  it('bad request bytes give badRequest, advance appliedIndex and change nothing', () => {
    const h = new Host();
    h.run(put('a', '1'));
    const before = h.sm.hash();
    for (const bad of [
      new Uint8Array([0xc1]),
      new Uint8Array(),
      raw([1, 9, 'a']),
      raw([1, 1, 'a', 5, null]),
    ]) {
      const r = h.raw(bad);
      expect(r).toMatchObject({ ok: false, error: 'badRequest' });
    }
    expect(h.sm.appliedIndex).toBe(5);
    expect(h.sm.hash()).toBe(before);
    expect(contents(h.sm)).toEqual([['a', '1']]);
  });

  it('random bytes as a command never throw and never change the state', () => {
    const h = new Host();
    h.run(put('k', 'v'), { clientId: 'c', seq: 1 });
    let before = h.sm.hash();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        const r = h.raw(data);
        if (r === null || r.ok || r.error !== 'badRequest') {
          // Astronomically unlikely: the bytes were a valid request, so they were applied.
          expect(() => decodeKvRequest(data)).not.toThrow();
          before = h.sm.hash();
        } else {
          expect(r.error).toBe('badRequest');
          expect(h.sm.hash()).toBe(before);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('applying out of order throws OutOfOrderApplyError and changes nothing', () => {
    const h = new Host();
    h.run(put('a', '1'));
    const before = h.sm.hash();
    const entry = (index: number): Entry => ({
      index,
      term: 1,
      type: EntryType.Normal,
      data: encodeKvRequest({ cmd: put('a', 'x') }),
    });
    expect(() => h.sm.apply(entry(3))).toThrow(OutOfOrderApplyError);
    expect(() => h.sm.apply(entry(1))).toThrow(OutOfOrderApplyError);
    expect(() => h.sm.apply(entry(0))).toThrow(/expected to apply index 2, got 0/);
    expect(h.sm.appliedIndex).toBe(1);
    expect(h.sm.hash()).toBe(before);
    expect(h.sm.get('a')).toBe('1');
  });

  it('rejects an invalid maxSessions', () => {
    expect(() => new KvStateMachine({ maxSessions: 0 })).toThrow(ConfigError);
    expect(() => new KvStateMachine({ maxSessions: 1.5 })).toThrow(ConfigError);
  });
});

describe('KV request encoding', () => {
  const str = fc.string({ unit: 'binary', maxLength: 20 });
  const cmdArb: fc.Arbitrary<KvCommand> = fc.oneof(
    fc.record({ op: fc.constant('put' as const), key: str, value: str }),
    fc.record({ op: fc.constant('delete' as const), key: str }),
    fc.record({
      op: fc.constant('cas' as const),
      key: str,
      expected: fc.option(str, { nil: null }),
      value: str,
    }),
    fc.record({ op: fc.constant('append' as const), key: str, value: str }),
  );
  const reqArb: fc.Arbitrary<KvRequest> = fc.oneof(
    cmdArb.map((cmd) => ({ cmd })),
    fc
      .record({ cmd: cmdArb, clientId: fc.string({ minLength: 1, maxLength: 10 }), seq: fc.maxSafeNat() })
      .map(({ cmd, clientId, seq }) => ({ cmd, session: { clientId, seq } })),
  );

  it('round-trips every request and is deterministic', () => {
    fc.assert(
      fc.property(reqArb, (req) => {
        const bytes = encodeKvRequest(req);
        expect(decodeKvRequest(bytes)).toEqual(req);
        expect(encodeKvRequest(structuredClone(req))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('decode throws only DecodeError, with a reason', () => {
    const reasonOf = (data: Uint8Array) => {
      try {
        decodeKvRequest(data);
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
        return (err as DecodeError).reason;
      }
      return 'decoded';
    };
    expect(reasonOf(new Uint8Array([0xc1]))).toBe('malformed');
    expect(reasonOf(encodeKvRequest({ cmd: put('a', 'b') }).subarray(0, 3))).toBe('truncated');
    expect(reasonOf(raw([1, 42, 'a']))).toBe('unknownType');
    expect(reasonOf(raw([2, 1, 'a', 'b', null]))).toBe('invalidField');
    expect(reasonOf(raw([1, 1, 'a', 'b']))).toBe('invalidField');
    expect(reasonOf(raw([1, 1, 'a', 'b', ['', 1]]))).toBe('invalidField');
    expect(reasonOf(raw([1, 1, 'a', 'b', ['c', -1]]))).toBe('invalidField');
    expect(reasonOf(raw([1, 3, 'a', 5, 'b', null]))).toBe('invalidField');
    expect(reasonOf(raw('put a b'))).toBe('malformed');
    expect(reasonOf(raw([1, { toString: 1 }, 'a']))).toBe('unknownType');
    expect(reasonOf(raw([{ valueOf: 1 }, 1, 'a', 'b', null]))).toBe('invalidField');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => void reasonOf(b)),
      { numRuns: 500 },
    );
  });

  it('encode refuses invalid requests with EncodeError', () => {
    expect(() => encodeKvRequest({ cmd: put('k', '\udc00') })).toThrow(EncodeError);
    expect(() => encodeKvRequest({ cmd: { op: 'put', key: 'k' } as unknown as KvCommand })).toThrow(
      EncodeError,
    );
    expect(() => encodeKvRequest({ cmd: { op: 'get', key: 'k' } as unknown as KvCommand })).toThrow(
      EncodeError,
    );
    expect(() => encodeKvRequest({ cmd: put('k', 'v'), session: { clientId: '', seq: 1 } })).toThrow(
      EncodeError,
    );
    expect(() => encodeKvRequest({ cmd: put('k', 'v'), session: { clientId: 'c', seq: -1 } })).toThrow(
      EncodeError,
    );
  });
});

describe('client sessions (exactly-once)', () => {
  it('a retry of the last seq returns the cached result and applies nothing', () => {
    const h = new Host();
    const s = { clientId: 'c1', seq: 1 };
    const first = h.run(append('l', 'x'), s);
    expect(first).toEqual({ ok: true, op: 'append', prev: null });
    const again = h.run(append('l', 'x'), s);
    expect(again).toEqual(first);
    expect(h.sm.get('l')).toBe('x');
    // Even if the retried entry carried a different command, nothing is applied.
    expect(h.run(put('l', 'other'), s)).toEqual(first);
    expect(h.sm.get('l')).toBe('x');
  });

  it('a higher seq applies and becomes the cached one', () => {
    const h = new Host();
    h.run(append('l', 'a'), { clientId: 'c1', seq: 1 });
    expect(h.run(append('l', 'b'), { clientId: 'c1', seq: 5 })).toEqual({
      ok: true,
      op: 'append',
      prev: 'a',
    });
    expect(h.run(append('l', 'b'), { clientId: 'c1', seq: 5 })).toEqual({
      ok: true,
      op: 'append',
      prev: 'a',
    });
    expect(h.sm.get('l')).toBe('ab');
    expect(h.sm.sessions()).toEqual([{ clientId: 'c1', seq: 5, lastIndex: 3 }]);
  });

  it('a lower seq is a staleSession error and applies nothing', () => {
    const h = new Host();
    h.run(put('k', 'new'), { clientId: 'c1', seq: 2 });
    const before = h.sm.hash();
    const r = h.run(put('k', 'old'), { clientId: 'c1', seq: 1 });
    expect(r).toMatchObject({ ok: false, error: 'staleSession' });
    expect(h.sm.get('k')).toBe('new');
    expect(h.sm.hash()).toBe(before);
  });

  it('sessions of different clients are independent; requests without a session always apply', () => {
    const h = new Host();
    h.run(append('l', 'a'), { clientId: 'c1', seq: 1 });
    h.run(append('l', 'b'), { clientId: 'c2', seq: 1 });
    h.run(append('l', 'c'));
    h.run(append('l', 'c'));
    expect(h.sm.get('l')).toBe('abcc');
    expect(h.sm.sessionCount).toBe(2);
  });

  it('evicts the least recently used session when over maxSessions', () => {
    const h = new Host({ maxSessions: 2 });
    h.run(put('a', '1'), { clientId: 'A', seq: 1 }); // index 1
    h.run(put('b', '1'), { clientId: 'B', seq: 1 }); // index 2
    h.run(put('a', '1'), { clientId: 'A', seq: 1 }); // retry: A used at index 3
    h.run(put('c', '1'), { clientId: 'C', seq: 1 }); // index 4: B is least recently used
    expect(h.sm.sessions().map((s) => s.clientId)).toEqual(['A', 'C']);
    // B forgot its session: the documented limit of bounded sessions is that an old retry applies again.
    expect(h.run(append('b', '1'), { clientId: 'B', seq: 1 })).toEqual({ ok: true, op: 'append', prev: '1' });
    expect(h.sm.sessions().map((s) => s.clientId)).toEqual(['C', 'B']);
  });

  it('eviction is deterministic: replicas applying the same log keep the same sessions and hash', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ client: fc.integer({ min: 0, max: 9 }), seq: fc.integer({ min: 0, max: 3 }) }), {
          maxLength: 60,
        }),
        (log) => {
          const r1 = new Host({ maxSessions: 4 });
          const r2 = new Host({ maxSessions: 4 });
          for (const { client, seq } of log) {
            const res1 = r1.run(append(`k${client % 3}`, String(seq)), { clientId: `c${client}`, seq });
            const res2 = r2.run(append(`k${client % 3}`, String(seq)), { clientId: `c${client}`, seq });
            expect(res2).toEqual(res1);
          }
          expect(r1.sm.sessionCount).toBeLessThanOrEqual(4);
          expect(r2.sm.sessions()).toEqual(r1.sm.sessions());
          expect(r2.sm.hash()).toBe(r1.sm.hash());
          expect(r2.sm.snapshot()).toEqual(r1.sm.snapshot());
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('state hash', () => {
  it('is a 16-hex-digit string, the same for two empty machines', () => {
    expect(new KvStateMachine().hash()).toMatch(/^[0-9a-f]{16}$/);
    expect(new KvStateMachine().hash()).toBe(new KvStateMachine().hash());
  });

  it('is equal for different histories that reach the same state', () => {
    const a = new Host();
    a.run(put('x', '1'));
    a.run(put('y', '2'));
    const b = new Host();
    b.run(put('y', 'zzz'));
    b.run(put('gone', 'soon'));
    b.run(append('x', '1'));
    b.run(del('gone'));
    b.run(cas('y', 'zzz', '2'));
    b.noop();
    expect(b.sm.hash()).toBe(a.sm.hash());
    expect(b.sm.appliedIndex).not.toBe(a.sm.appliedIndex);
  });

  it('differs for different states, including near-misses', () => {
    const hashOf = (...cmds: KvCommand[]) => {
      const h = new Host();
      for (const c of cmds) h.run(c);
      return h.sm.hash();
    };
    const hashes = [
      hashOf(),
      hashOf(put('a', '')),
      hashOf(put('a', '1')),
      hashOf(put('a', '2')),
      hashOf(put('b', '1')),
      hashOf(put('ab', 'c')),
      hashOf(put('a', 'bc')),
      hashOf(put('a', '1'), put('b', '2')),
      hashOf(put('a', '2'), put('b', '1')),
      hashOf(put('a', 'xy')),
      hashOf(put('a', 'yx')),
      hashOf(put('a', '1'), put('a', '1')),
    ];
    // The last one equals put('a','1'); every other pair differs.
    expect(hashes[11]).toBe(hashes[2]);
    expect(new Set(hashes.slice(0, 11)).size).toBe(11);
  });

  it('includes the session table: same data, different sessions, different hash', () => {
    const a = new Host();
    a.run(put('k', 'v'));
    const b = new Host();
    b.run(put('k', 'v'), { clientId: 'c', seq: 1 });
    const c = new Host();
    c.run(put('k', 'v'), { clientId: 'c', seq: 2 });
    expect(new Set([a.sm.hash(), b.sm.hash(), c.sm.hash()]).size).toBe(3);
  });

  it('equals exactly when the contents are equal (random histories over a small key space)', () => {
    const cmd = fc.oneof(
      fc.record({
        op: fc.constant('put' as const),
        key: fc.constantFrom('a', 'b'),
        value: fc.constantFrom('', '1', '2'),
      }),
      fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom('a', 'b') }),
      fc.record({
        op: fc.constant('append' as const),
        key: fc.constantFrom('a', 'b'),
        value: fc.constantFrom('1', '2'),
      }),
      fc.record({
        op: fc.constant('cas' as const),
        key: fc.constantFrom('a', 'b'),
        expected: fc.constantFrom(null, '', '1'),
        value: fc.constantFrom('1', '2'),
      }),
    );
    let equalSeen = 0;
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 8 }), fc.array(cmd, { maxLength: 8 }), (h1, h2) => {
        const a = new Host();
        const b = new Host();
        for (const c of h1) a.run(c);
        for (const c of h2) b.run(c);
        const same = JSON.stringify(contents(a.sm)) === JSON.stringify(contents(b.sm));
        if (same) equalSeen++;
        expect(a.sm.hash() === b.sm.hash()).toBe(same);
      }),
      { numRuns: 500 },
    );
    expect(equalSeen).toBeGreaterThan(10); // the property really exercised the "equal" side
  });

  it('is maintained incrementally: appends hash like a put of the whole value', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { maxLength: 20 }), (parts) => {
        const a = new Host();
        for (const p of parts) a.run(append('k', p));
        const b = new Host();
        if (parts.length > 0) b.run(put('k', parts.join('')));
        expect(a.sm.hash()).toBe(b.sm.hash());
      }),
      { numRuns: 200 },
    );
  });

  it('is the same whether a value is short or long (long ones keep their hash cached) and after a restore', () => {
    // Lengths on both sides of the length from which a value's hash is kept beside it.
    const value = fc.constantFrom(0, 1, 200, 255, 256, 300).map((n) => 'x'.repeat(n));
    const cmd = fc.oneof(
      fc.record({ op: fc.constant('put' as const), key: fc.constantFrom('a', 'b'), value }),
      fc.record({ op: fc.constant('append' as const), key: fc.constantFrom('a', 'b'), value }),
      fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom('a', 'b') }),
      fc.record({
        op: fc.constant('cas' as const),
        key: fc.constantFrom('a', 'b'),
        expected: fc.constantFrom(null, 'x'.repeat(256)),
        value,
      }),
    );
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 12 }), (history) => {
        const a = new Host();
        for (const c of history) a.run(c);
        // The same contents built directly, one put per key.
        const b = new Host();
        for (const [k, v] of contents(a.sm)) b.run(put(k, v));
        expect(a.sm.hash()).toBe(b.sm.hash());
        const restored = new KvStateMachine();
        restored.restore(a.sm.snapshot());
        expect(restored.hash()).toBe(a.sm.hash());
        // And it goes on hashing the same: one more append to each key.
        for (const k of ['a', 'b']) {
          a.run(append(k, 'y'.repeat(100)));
          restored.apply({
            index: restored.appliedIndex + 1,
            term: 1,
            type: EntryType.Normal,
            data: encodeKvRequest({ cmd: append(k, 'y'.repeat(100)) }),
          });
        }
        expect(restored.hash()).toBe(a.sm.hash());
      }),
      { numRuns: 300 },
    );
  });
});

describe('snapshot and restore', () => {
  function populated(): Host {
    const h = new Host({ maxSessions: 3 });
    h.run(put('a', '1'));
    h.run(append('list', 'x'), { clientId: 'c1', seq: 1 });
    h.run(cas('b', null, 'B'), { clientId: 'c2', seq: 7 });
    h.run(put('ünï', '😀'), { clientId: 'c3', seq: 1 });
    h.noop();
    h.run(del('a'), { clientId: 'c1', seq: 2 });
    return h;
  }

  it('round-trips the whole state: data, sessions, appliedIndex and hash', () => {
    const src = populated();
    const dst = new KvStateMachine({ maxSessions: 3 });
    dst.restore(src.sm.snapshot());
    expect(dst.hash()).toBe(src.sm.hash());
    expect(dst.appliedIndex).toBe(src.sm.appliedIndex);
    expect(contents(dst)).toEqual(contents(src.sm));
    expect(dst.sessions()).toEqual(src.sm.sessions());
    expect(dst.snapshot()).toEqual(src.sm.snapshot());
  });

  it('a restored machine continues exactly like the original (sessions included)', () => {
    const src = populated();
    const restored = new Host({ maxSessions: 3 });
    restored.sm.restore(src.sm.snapshot());
    const steps: Array<[KvCommand, { clientId: string; seq: number } | undefined]> = [
      [del('zzz'), { clientId: 'c1', seq: 2 }], // retry: cached result of the delete of 'a'
      [append('list', 'y'), { clientId: 'c2', seq: 6 }], // stale
      [append('list', 'z'), { clientId: 'c4', seq: 1 }], // new client evicts the LRU (c2)
      [put('a', 'again'), undefined],
    ];
    for (const [cmd, session] of steps) {
      expect(restored.run(cmd, session)).toEqual(src.run(cmd, session));
      expect(restored.sm.hash()).toBe(src.sm.hash());
    }
    expect(restored.sm.sessions()).toEqual(src.sm.sessions());
  });

  it('rejects malformed snapshots with InvalidSnapshotError and keeps the old state', () => {
    const victim = populated();
    const before = { hash: victim.sm.hash(), applied: victim.sm.appliedIndex, data: contents(victim.sm) };
    const good = populated().sm.snapshot();
    const flipped = good.slice();
    // Flip a bit inside the emoji value's bytes: still valid msgpack, but the content no longer matches the hash.
    const at = flipped.lastIndexOf(0x80);
    flipped[at] ^= 0x01;
    const bad: Uint8Array[] = [
      new Uint8Array(),
      new Uint8Array([0xc1]),
      good.subarray(0, good.length - 3),
      new Uint8Array([...good, 0]),
      flipped,
      raw([1, 5, ['k', 'v', 'k', 'v'], [], new KvStateMachine().hash()]), // duplicate key
      raw([2, 5, [], [], new KvStateMachine().hash()]), // unknown version
      raw([1, 5, ['k'], [], '0']), // odd kv list
      raw([1, 5, [], ['c', 1, 9, 1, null, null], '0']), // session used after appliedIndex
      raw([1, 5, [], ['c', 1, 2, 3, null, null], '0']), // cas result without swapped
      raw([1, 5, [], [], 'not the hash']),
    ];
    for (const bytes of bad) {
      expect(() => victim.sm.restore(bytes)).toThrow(InvalidSnapshotError);
      expect(victim.sm.hash()).toBe(before.hash);
      expect(victim.sm.appliedIndex).toBe(before.applied);
      expect(contents(victim.sm)).toEqual(before.data);
    }
  });

  it('random corruption of a snapshot is either rejected or restores a self-consistent state', () => {
    const good = populated().sm.snapshot();
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (pos, mask) => {
        const bytes = good.slice();
        bytes[pos % bytes.length] ^= mask;
        const sm = new KvStateMachine({ maxSessions: 3 });
        try {
          sm.restore(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidSnapshotError);
          return;
        }
        // Survived (e.g. the flip hit the appliedIndex or a seq): its own snapshot must round-trip.
        const again = new KvStateMachine({ maxSessions: 3 });
        again.restore(sm.snapshot());
        expect(again.hash()).toBe(sm.hash());
      }),
      { numRuns: 500 },
    );
  });
});

describe('corruptForTesting (divergence drills)', () => {
  it('changes one value behind the log and keeps the hash consistent with the corrupted state', () => {
    const r1 = new Host();
    const r2 = new Host();
    for (const h of [r1, r2]) {
      h.run(put('a', 'hello'));
      h.run(put('b', 'world'));
    }
    expect(r2.sm.hash()).toBe(r1.sm.hash());
    const c = r2.sm.corruptForTesting();
    expect(c).toEqual({ key: 'a', before: 'hello', after: 'helln' });
    expect(r2.sm.get('a')).toBe('helln');
    expect(r2.sm.appliedIndex).toBe(r1.sm.appliedIndex);
    expect(r2.sm.hash()).not.toBe(r1.sm.hash());
    // Consistent: the hash is what the corrupted state would hash to had it been reached legitimately.
    const legit = new Host();
    legit.run(put('a', 'helln'));
    legit.run(put('b', 'world'));
    expect(r2.sm.hash()).toBe(legit.sm.hash());
    // ...so its snapshot restores (a repair source must not be rejected for a consistent hash).
    const copy = new KvStateMachine();
    copy.restore(r2.sm.snapshot());
    expect(copy.hash()).toBe(r2.sm.hash());
  });

  it('corrupts a named key, an empty value, or creates the key; refuses an empty state', () => {
    const h = new Host();
    h.run(put('e', ''));
    expect(h.sm.corruptForTesting('e')).toEqual({ key: 'e', before: '', after: '\u0001' });
    expect(h.sm.corruptForTesting('new')).toEqual({ key: 'new', before: null, after: '\u0001' });
    expect(() => new KvStateMachine().corruptForTesting()).toThrow(RangeError);
  });
});
