import {
  checkHistoryText,
  detectFormat,
  HistoryFormatError,
  HistoryRecorder,
  HistoryRecorderError,
  type KvOp,
  parseJepsenLog,
  parsePorcupineKvLog,
  parseRaftkitHistory,
  readEdn,
  serializeHistory,
} from '@raftkit/sim';
import { describe, expect, it } from 'vitest';

const jepsen = (lines: string[]) =>
  lines.map((l) => `INFO  jepsen.util - ${l.replaceAll(' | ', '\t')}`).join('\n');

describe('Jepsen log parser', () => {
  it('pairs invocations with completions per process, with line numbers as times', () => {
    const ops = parseJepsenLog(
      [
        '2024-01-01 INFO  jepsen.core - Running test',
        jepsen([
          '0 | :invoke | :read | nil',
          '1 | :invoke | :write | 3',
          '0 | :ok | :read | nil',
          '1 | :ok | :write | 3',
        ]),
      ].join('\n'),
    );
    expect(ops).toEqual([
      { process: 0, key: 'register', f: 'read', outcome: 'ok', call: 2, ret: 4, line: 2, read: null },
      { process: 1, key: 'register', f: 'write', outcome: 'ok', call: 3, ret: 5, line: 3, value: 3 },
    ]);
  });

  it(':info is indeterminate (ret null) and retires the process; an invoke never completed is indeterminate', () => {
    const ops = parseJepsenLog(
      jepsen([
        '1 | :invoke | :cas | [1 2]',
        '1 | :info | :cas | :timed-out',
        '2 | :invoke | :write | 4',
        '3 | :invoke | :read | nil',
        '3 | :fail | :read | :timed-out',
      ]),
    );
    expect(ops.map((o) => [o.process, o.f, o.outcome, o.ret])).toEqual([
      [1, 'cas', 'info', null],
      [2, 'write', 'info', null],
      [3, 'read', 'fail', 5],
    ]);
    expect(ops[0]).toMatchObject({ expected: 1, value: 2 });
    expect(() =>
      parseJepsenLog(
        jepsen(['1 | :invoke | :read | nil', '1 | :info | :read | nil', '1 | :invoke | :read | nil']),
      ),
    ).toThrow(/process 1 invoked after an :info/);
  });

  it('rejects malformed logs with the line number', () => {
    const bad = (lines: string[], message: RegExp) => {
      const attempt = () => parseJepsenLog(jepsen(lines));
      expect(attempt).toThrow(HistoryFormatError);
      expect(attempt).toThrow(message);
    };
    bad(['1 | :ok | :read | 3'], /line 1: :ok for process 1 with no open invocation/);
    bad(['1 | :invoke | :read | nil', '1 | :invoke | :read | nil'], /line 2: process 1 invoked while/);
    bad(['1 | :invoke | :read | nil', '1 | :ok | :write | 3'], /completes :invoke :read/);
    bad(['1 | :invoke | :cas | 3'], /cas needs \[expected new\]/);
    bad(['1 | :invoke | :dequeue | nil'], /unsupported operation :dequeue/);
    bad(['1 | :invoke | :write | "unterminated'], /cannot read/);
  });

  it('ignores the nemesis', () => {
    const ops = parseJepsenLog(
      jepsen([':nemesis | :info | :start | nil', '0 | :invoke | :read | nil', '0 | :ok | :read | 1']),
    );
    expect(ops).toHaveLength(1);
  });

  it('judges small logs exactly: a failed cas observed another value; info writes may or may not apply', () => {
    const verdict = (lines: string[]) => checkHistoryText(jepsen(lines)).result.verdict;
    // cas [nil 1] failing on the empty register is impossible (it would have matched)...
    expect(verdict(['0 | :invoke | :cas | [nil 1]', '0 | :fail | :cas | [nil 1]'])).toBe('nonLinearizable');
    // ...unless a concurrent write got there first.
    expect(
      verdict([
        '1 | :invoke | :write | 2',
        '0 | :invoke | :cas | [nil 1]',
        '0 | :fail | :cas | [nil 1]',
        '1 | :ok | :write | 2',
      ]),
    ).toBe('linearizable');
    // A timed-out write may have applied, later...
    expect(
      verdict([
        '1 | :invoke | :write | 2',
        '1 | :info | :write | :timed-out',
        '0 | :invoke | :read | nil',
        '0 | :ok | :read | 2',
      ]),
    ).toBe('linearizable');
    // ...or never.
    expect(
      verdict([
        '1 | :invoke | :write | 2',
        '1 | :info | :write | :timed-out',
        '0 | :invoke | :read | nil',
        '0 | :ok | :read | nil',
      ]),
    ).toBe('linearizable');
    // But not before it was invoked.
    expect(
      verdict([
        '0 | :invoke | :read | nil',
        '0 | :ok | :read | 2',
        '1 | :invoke | :write | 2',
        '1 | :info | :write | :timed-out',
      ]),
    ).toBe('nonLinearizable');
    // A failed (timed-out) read constrains nothing.
    expect(verdict(['0 | :invoke | :read | nil', '0 | :fail | :read | :timed-out'])).toBe('linearizable');
  });
});

describe('Porcupine KV parser', () => {
  const line = (p: number, type: string, f: string, key: string, value: string | null) =>
    `{:process ${p}, :type :${type}, :f :${f}, :key ${JSON.stringify(key)}, :value ${value === null ? 'nil' : JSON.stringify(value)}}`;

  it('reads EDN maps into KvOps; a missing key reads as ""', () => {
    const text = [
      line(0, 'invoke', 'get', '1', null),
      line(1, 'invoke', 'append', '1', 'x y'),
      line(0, 'ok', 'get', '1', ''),
      line(1, 'ok', 'append', '1', 'x y'),
      line(0, 'invoke', 'put', '2', 'a "q"'),
    ].join('\n');
    const ops = parsePorcupineKvLog(text);
    expect(ops).toEqual([
      { client: 0, kind: 'get', key: '1', call: 1, ret: 3, status: 'ok', output: { value: '' } },
      { client: 1, kind: 'append', key: '1', value: 'x y', call: 2, ret: 4, status: 'ok' },
      { client: 0, kind: 'put', key: '2', value: 'a "q"', call: 5, ret: null, status: 'info' },
    ]);
    expect(detectFormat(text)).toBe('porcupine-kv');
    expect(checkHistoryText(text).result.verdict).toBe('linearizable');
    const stale = `${text}\n${line(2, 'invoke', 'get', '1', null)}\n${line(2, 'ok', 'get', '1', '')}`;
    expect(checkHistoryText(stale).result.verdict).toBe('nonLinearizable');
  });

  it('rejects malformed lines with the line number', () => {
    expect(() => parsePorcupineKvLog(`${line(0, 'ok', 'get', '1', '')}`)).toThrow(
      /line 1: :ok for process 0/,
    );
    expect(() => parsePorcupineKvLog('{:process 0, :type :invoke, :f :get}')).toThrow(
      /:key must be a string/,
    );
    expect(() => parsePorcupineKvLog('{:process 0 :type}')).toThrow(/odd number/);
  });
});

describe('EDN reader', () => {
  it('reads the forms history lines use', () => {
    expect(readEdn('[1 nil "a\\"b" :kw -3]')).toEqual([1, null, 'a"b', { keyword: 'kw' }, -3]);
    expect(readEdn('{:a 1, :b [2 3]}')).toEqual(
      new Map<string, unknown>([
        ['a', 1],
        ['b', [2, 3]],
      ]),
    );
    expect(() => readEdn('[1 2')).toThrow(/missing/);
  });
});

describe('raftkit history format', () => {
  const ops: KvOp[] = [
    { client: 1, kind: 'put', key: 'k', value: 'v', call: 0, ret: 2, status: 'ok' },
    { client: 'c2', kind: 'get', key: 'k', call: 1, ret: 3, status: 'ok', output: { value: null } },
    { client: 1, kind: 'cas', key: 'k', expected: null, value: 'w', call: 4, ret: null, status: 'info' },
    { client: 1, kind: 'delete', key: 'k', call: 5, ret: 6, status: 'fail' },
  ];

  it('round-trips as JSON lines and as a JSON array', () => {
    const lines = serializeHistory(ops);
    expect(lines.trim().split('\n')).toHaveLength(4);
    expect(parseRaftkitHistory(lines)).toEqual(ops);
    const array = serializeHistory(ops, 'array');
    expect(array.trimStart().startsWith('[')).toBe(true);
    expect(parseRaftkitHistory(array)).toEqual(ops);
    expect(detectFormat(lines)).toBe('raftkit');
    expect(detectFormat(array)).toBe('raftkit');
    expect(checkHistoryText(lines).result.verdict).toBe('linearizable');
  });

  it('validates every record and says where the problem is', () => {
    const bad = (text: string, message: RegExp) => expect(() => parseRaftkitHistory(text)).toThrow(message);
    bad(
      '{"client":1,"kind":"get","key":"k","call":0,"ret":1,"status":"ok"}',
      /line 1: an ok get needs output.value/,
    );
    bad(
      '\n{"client":1,"kind":"put","key":"k","call":0,"ret":1,"status":"ok"}',
      /line 2: put needs a string value/,
    );
    bad(
      '{"client":1,"kind":"put","key":"k","value":"v","call":5,"ret":1,"status":"ok"}',
      /ret 1 is before call 5/,
    );
    bad('{"client":1,"kind":"zap","key":"k","call":0,"ret":1,"status":"ok"}', /kind must be one of/);
    bad('{"client":1,"kind":"put","key":"k","value":"v","call":0,"status":"ok"}', /needs a ret time/);
    bad('{"client":1', /line 1: not valid JSON/);
    bad(
      '[{"client":1,"kind":"cas","key":"k","value":"v","call":0,"ret":1,"status":"ok","output":{"swapped":true}}]',
      /operation \[0\]: cas needs expected/,
    );
    expect(() => parseRaftkitHistory('[1, 2')).toThrow(HistoryFormatError);
  });

  it('an info record drops any ret it was given (its effect may come at any later time)', () => {
    const [op] = parseRaftkitHistory(
      '{"client":1,"kind":"put","key":"k","value":"v","call":0,"ret":3,"status":"info"}',
    );
    expect(op.ret).toBeNull();
  });
});

describe('format detection', () => {
  it('refuses what it cannot recognise, and empty files', () => {
    expect(() => detectFormat('hello world')).toThrow(/cannot tell the history format/);
    expect(() => checkHistoryText('   \n')).toThrow(/empty history/);
    expect(() => checkHistoryText('INFO jepsen.core - nothing', { format: 'jepsen' })).toThrow(
      /no client operations/,
    );
  });
});

describe('HistoryRecorder', () => {
  it('records invoke/ok/fail/info with its clock; in-flight operations show as info', () => {
    let now = 10;
    const rec = new HistoryRecorder({ now: () => now });
    const a = rec.invoke(1, { kind: 'put', key: 'k', value: 'v' });
    const b = rec.invoke(2, { kind: 'get', key: 'k' });
    now = 11;
    rec.ok(a);
    rec.ok(b, { value: 'v' });
    const c = rec.invoke(1, { kind: 'cas', key: 'k', expected: 'v', value: 'w' });
    now = 12;
    rec.fail(c);
    const d = rec.invoke(1, { kind: 'append', key: 'k', value: '!' });
    now = 13;
    rec.info(d);
    rec.invoke(1, { kind: 'delete', key: 'k' }); // allowed after info
    expect(rec.size).toBe(5);
    expect(rec.ops()).toEqual([
      { client: 1, kind: 'put', key: 'k', value: 'v', call: 10, ret: 11, status: 'ok', output: {} },
      { client: 2, kind: 'get', key: 'k', call: 10, ret: 11, status: 'ok', output: { value: 'v' } },
      { client: 1, kind: 'cas', key: 'k', value: 'w', expected: 'v', call: 11, ret: 12, status: 'fail' },
      { client: 1, kind: 'append', key: 'k', value: '!', call: 12, ret: null, status: 'info' },
      { client: 1, kind: 'delete', key: 'k', call: 13, ret: null, status: 'info' },
    ]);
    // What it records is valid raftkit format.
    expect(parseRaftkitHistory(serializeHistory(rec.ops()))).toEqual(rec.ops());
  });

  it('defaults to a logical clock that orders events as recorded', () => {
    const rec = new HistoryRecorder();
    const a = rec.invoke('x', { kind: 'get', key: 'k' });
    rec.ok(a, { value: null });
    const [op] = rec.ops();
    expect(op.call).toBeLessThan(op.ret!);
  });

  it('refuses misuse with a typed error and keeps what it had', () => {
    let now = 0;
    const rec = new HistoryRecorder({ now: () => now });
    const a = rec.invoke(1, { kind: 'get', key: 'k' });
    expect(() => rec.invoke(1, { kind: 'get', key: 'k' })).toThrow(HistoryRecorderError);
    expect(() => rec.ok(a)).toThrow(/ok\(get\) needs output.value/);
    rec.ok(a, { value: 'v' });
    expect(() => rec.ok(a, { value: 'v' })).toThrow(/already completed/);
    const b = rec.invoke(1, { kind: 'cas', key: 'k', expected: null, value: 'v' });
    expect(() => rec.ok(b, {})).toThrow(/needs output.swapped/);
    now = -1;
    expect(() => rec.fail(b)).toThrow(/clock went backwards/);
    expect(rec.ops()).toHaveLength(2);
    expect(rec.ops()[1]).toMatchObject({ status: 'info', ret: null }); // still in flight, untouched
    now = 5;
    rec.ok(b, { swapped: true });
    expect(rec.ops()[1]).toMatchObject({ status: 'ok', ret: 5, output: { swapped: true } });
  });
});
