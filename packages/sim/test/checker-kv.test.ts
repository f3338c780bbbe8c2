import { checkKvHistory, HistoryRecorder, type KvOp } from '@raftkit/sim';
import { describe, expect, it } from 'vitest';

/** Shorthand for a completed operation. */
function ok(client: number, call: number, ret: number, op: Partial<KvOp> & Pick<KvOp, 'kind'>): KvOp {
  return { client, key: 'x', call, ret, status: 'ok', ...op };
}
function info(client: number, call: number, op: Partial<KvOp> & Pick<KvOp, 'kind'>): KvOp {
  return { client, key: 'x', call, ret: null, status: 'info', ...op };
}
const get = (value: string | null) => ({ kind: 'get' as const, output: { value } });
const put = (value: string) => ({ kind: 'put' as const, value });
const append = (value: string) => ({ kind: 'append' as const, value });
const cas = (expected: string | null, value: string, swapped?: boolean) => ({
  kind: 'cas' as const,
  expected,
  value,
  ...(swapped === undefined ? {} : { output: { swapped } }),
});

const check = (ops: KvOp[], options = {}) => checkKvHistory(ops, options);

describe('KV linearizability: hand-written histories', () => {
  it('a sequential history that reads its own writes is linearizable', () => {
    const r = check([
      ok(1, 0, 1, put('1')),
      ok(1, 2, 3, get('1')),
      ok(2, 4, 5, append('2')),
      ok(1, 6, 7, get('12')),
    ]);
    expect(r.verdict).toBe('linearizable');
    expect(r.partitions).toBe(1);
  });

  it('a stale read is not linearizable, and the explanation names the read and the state', () => {
    const r = check([ok(1, 0, 1, put('1')), ok(2, 2, 3, put('2')), ok(3, 4, 5, get('1'))]);
    expect(r.verdict).toBe('nonLinearizable');
    const v = r.violation!;
    expect(v.partition).toBe('x');
    expect(v.prefix.map((s) => s.description)).toEqual(['put x = "1"', 'put x = "2"']);
    expect(v.stateAfterPrefix).toBe('"2"');
    expect(v.blocked).toEqual([
      { id: 2, client: 3, call: 4, ret: 5, description: 'get x -> "1"', reason: 'illegal' },
    ]);
    expect(v.deadline?.id).toBe(2);
  });

  it('the same read overlapping the second write is linearizable (it may precede it)', () => {
    expect(check([ok(1, 0, 1, put('1')), ok(2, 2, 6, put('2')), ok(3, 4, 5, get('1'))]).verdict).toBe(
      'linearizable',
    );
  });

  it('a lost write (an acknowledged append missing from a later read) is not linearizable', () => {
    const ops = [ok(1, 0, 1, append('a')), ok(2, 2, 3, append('b')), ok(3, 4, 5, get('a'))];
    const r = check(ops);
    expect(r.verdict).toBe('nonLinearizable');
    expect(r.violation!.blocked.map((b) => [b.description, b.reason])).toEqual([['get x -> "a"', 'illegal']]);
    // The same, had the second append timed out (info), is fine: it may never have happened.
    const timedOut = [ops[0], info(2, 2, append('b')), ops[2]];
    expect(check(timedOut).verdict).toBe('linearizable');
    // And had it failed definitely, also fine.
    expect(check([ops[0], { ...ops[1], status: 'fail' }, ops[2]]).verdict).toBe('linearizable');
  });

  it('a cas anomaly: two concurrent cas from the same value both swapping is not linearizable', () => {
    const base = ok(1, 0, 1, put('0'));
    const both = [base, ok(2, 2, 5, cas('0', '1', true)), ok(3, 3, 6, cas('0', '2', true))];
    const r = check(both);
    expect(r.verdict).toBe('nonLinearizable');
    expect(r.violation!.blocked.every((b) => b.description.startsWith('cas x "0"'))).toBe(true);
    // One swapped and the other saw the new value: linearizable.
    const one = [base, ok(2, 2, 5, cas('0', '1', true)), ok(3, 3, 6, cas('0', '2', false))];
    expect(check(one).verdict).toBe('linearizable');
    // A cas that reports "not swapped" although the value matched, with nothing concurrent: violation.
    expect(check([base, ok(2, 2, 3, cas('0', '9', false))]).verdict).toBe('nonLinearizable');
  });

  it('cas with expected null swaps only on an absent key; delete makes the key absent again', () => {
    expect(
      check([
        ok(1, 0, 1, cas(null, 'a', true)),
        ok(1, 2, 3, cas(null, 'b', false)),
        ok(1, 4, 5, { kind: 'delete' }),
        ok(1, 6, 7, get(null)),
        ok(1, 8, 9, cas(null, 'c', true)),
        ok(1, 10, 11, get('c')),
      ]).verdict,
    ).toBe('linearizable');
    expect(check([ok(1, 0, 1, put('a')), ok(1, 2, 3, cas(null, 'b', true))]).verdict).toBe('nonLinearizable');
  });

  it('concurrent writes are linearizable only in the order later reads observe', () => {
    const writes = [ok(1, 0, 10, put('1')), ok(2, 0, 10, put('2'))];
    expect(check([...writes, ok(3, 11, 12, get('2'))]).verdict).toBe('linearizable');
    expect(check([...writes, ok(3, 11, 12, get('1'))]).verdict).toBe('linearizable');
    // Reading 2 then 1 needs both orders at once.
    const r = check([...writes, ok(3, 11, 12, get('2')), ok(3, 13, 14, get('1'))]);
    expect(r.verdict).toBe('nonLinearizable');
    expect(r.violation!.prefix.map((s) => s.description)).toEqual([
      'put x = "1"',
      'put x = "2"',
      'get x -> "2"',
    ]);
    expect(r.violation!.blocked.map((b) => b.description)).toEqual(['get x -> "1"']);
  });

  it('a reader concurrent with a writer may see old or new, but not new then old', () => {
    const ops = [ok(1, 0, 1, put('old')), ok(2, 2, 20, put('new'))];
    expect(check([...ops, ok(3, 3, 4, get('new')), ok(3, 5, 6, get('new'))]).verdict).toBe('linearizable');
    expect(check([...ops, ok(3, 3, 4, get('old')), ok(3, 5, 6, get('new'))]).verdict).toBe('linearizable');
    expect(check([...ops, ok(3, 3, 4, get('new')), ok(3, 5, 6, get('old'))]).verdict).toBe('nonLinearizable');
  });

  describe('indeterminate (info) operations', () => {
    it('may have taken effect: a later read of its value is fine', () => {
      expect(check([info(1, 0, put('1')), ok(2, 5, 6, get('1'))]).verdict).toBe('linearizable');
    });
    it('may never have taken effect: a later read of the old value is fine', () => {
      expect(check([info(1, 0, put('1')), ok(2, 5, 6, get(null))]).verdict).toBe('linearizable');
    });
    it('may take effect long after the client gave up', () => {
      const ops = [info(1, 0, put('1')), ok(2, 5, 6, get(null)), ok(2, 100, 101, get('1'))];
      expect(check(ops).verdict).toBe('linearizable');
    });
    it('cannot take effect before it was invoked', () => {
      expect(check([ok(2, 0, 1, get('1')), info(1, 2, put('1'))]).verdict).toBe('nonLinearizable');
    });
    it('takes effect at most once: seen, then gone, is a violation', () => {
      const ops = [info(1, 0, put('1')), ok(2, 5, 6, get('1')), ok(2, 7, 8, get(null))];
      const r = check(ops);
      expect(r.verdict).toBe('nonLinearizable');
      expect(r.violation!.blocked.map((b) => b.description)).toEqual(['get x -> nil']);
    });
    it('an indeterminate cas may have swapped or not', () => {
      const base = ok(1, 0, 1, put('a'));
      expect(check([base, info(2, 2, cas('a', 'b')), ok(3, 5, 6, get('b'))]).verdict).toBe('linearizable');
      expect(check([base, info(2, 2, cas('a', 'b')), ok(3, 5, 6, get('a'))]).verdict).toBe('linearizable');
      expect(check([base, info(2, 2, cas('z', 'b')), ok(3, 5, 6, get('b'))]).verdict).toBe('nonLinearizable');
    });
    it('identical indeterminate writes are interchangeable but each still counts once', () => {
      const ops = [
        info(1, 0, append('a')),
        info(2, 1, append('a')),
        ok(3, 5, 6, get('a')),
        ok(3, 7, 8, get('aa')),
        ok(3, 9, 10, get('aa')),
      ];
      expect(check(ops).verdict).toBe('linearizable');
      expect(check([...ops, ok(3, 11, 12, get('aaa'))]).verdict).toBe('nonLinearizable');
    });
    it('different indeterminate writes are not interchangeable: a later one may apply alone', () => {
      const ops = [info(1, 0, append('a')), info(2, 1, append('b')), ok(3, 5, 6, get('b'))];
      expect(check(ops).verdict).toBe('linearizable');
      expect(check([...ops, ok(3, 7, 8, get('ba'))]).verdict).toBe('linearizable');
      expect(check([...ops, ok(3, 7, 8, get('ab'))]).verdict).toBe('nonLinearizable');
    });
  });

  it('partitions by key: keys are checked independently and the violation names its key', () => {
    const ops = [
      ok(1, 0, 1, { ...put('1'), key: 'a' }),
      ok(2, 0, 1, { ...put('1'), key: 'b' }),
      ok(1, 2, 3, { ...get('1'), key: 'a' }),
      ok(2, 2, 3, { ...get(null), key: 'b' }),
    ];
    const r = check(ops);
    expect(r.partitions).toBe(2);
    expect(r.verdict).toBe('nonLinearizable');
    expect(r.violation!.partition).toBe('b');
    const all = check(ops, { allPartitions: true });
    expect(all.partitionReports.map((p) => [p.partition, p.outcome])).toEqual([
      ['a', 'linearizable'],
      ['b', 'nonLinearizable'],
    ]);
  });

  it('says unknown, not a guess, when the budget runs out', () => {
    // Many concurrent appends and a read no order satisfies: a large search.
    const ops: KvOp[] = [];
    for (let c = 0; c < 12; c++) ops.push(ok(c, 0, 100, append(String.fromCharCode(97 + c))));
    ops.push(ok(99, 101, 102, get('impossible')));
    const bySteps = check(ops, { maxSteps: 50 });
    expect(bySteps.verdict).toBe('unknown');
    expect(bySteps.budgetExhausted).toBe('steps');
    expect(bySteps.steps).toBe(50);
    expect(bySteps.violation).toBeUndefined();
    const byTime = check(ops, { budgetMs: 0 });
    expect(byTime.verdict).toBe('unknown');
    expect(byTime.budgetExhausted).toBe('time');
    // Given room, the same history is decided.
    expect(check(ops.slice(0, 6).concat(ops[12])).verdict).toBe('nonLinearizable');
  });

  it('works on what the HistoryRecorder records', () => {
    let now = 0;
    const rec = new HistoryRecorder({ now: () => now });
    const w = rec.invoke('c1', { kind: 'put', key: 'k', value: 'v1' });
    now = 1;
    const r1 = rec.invoke('c2', { kind: 'get', key: 'k' });
    now = 2;
    rec.ok(w);
    now = 3;
    rec.ok(r1, { value: null }); // concurrent with the put: may precede it
    now = 4;
    const t = rec.invoke('c1', { kind: 'cas', key: 'k', expected: 'v1', value: 'v2' });
    now = 5;
    rec.info(t); // timed out
    const r2 = rec.invoke('c2', { kind: 'get', key: 'k' });
    now = 6;
    rec.ok(r2, { value: 'v2' });
    expect(check(rec.ops()).verdict).toBe('linearizable');
    now = 7; // strictly after r2's completion (equal times would count as concurrent)
    const r3 = rec.invoke('c2', { kind: 'get', key: 'k' });
    now = 8;
    rec.ok(r3, { value: 'v1' }); // the cas was seen; going back is not possible
    expect(check(rec.ops()).verdict).toBe('nonLinearizable');
  });
});
