import {
  type CheckerModel,
  checkOperations,
  createKvModel,
  finalizeHash,
  type HistoryOperation,
  hashString,
  type KvOp,
  kvModel,
  kvOperations,
} from '@raftkit/sim';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * An independent, obviously-correct oracle: try every order of the live operations that
 * respects real time (a before b when a returned strictly before b was invoked), where
 * indeterminate operations may be left out, and run the KV semantics on a Map.
 */
function bruteForceLinearizable(ops: readonly KvOp[], absent: string | null = null): boolean {
  const live = ops.filter((o) => o.status !== 'fail');
  const definiteCount = live.filter((o) => o.status === 'ok').length;
  const placed = new Array<boolean>(live.length).fill(false);
  const mustPrecede = (a: KvOp, b: KvOp) => a.ret !== null && a.status === 'ok' && a.ret < b.call;

  const apply = (state: Map<string, string | null>, op: KvOp): Map<string, string | null> | undefined => {
    const current = state.has(op.key) ? (state.get(op.key) as string | null) : absent;
    const next = new Map(state);
    const known = op.status === 'ok';
    switch (op.kind) {
      case 'get':
        return !known || (op.output?.value ?? absent) === current ? state : undefined;
      case 'put':
        next.set(op.key, op.value!);
        return next;
      case 'delete':
        next.set(op.key, absent);
        return next;
      case 'append':
        next.set(op.key, (current ?? '') + op.value!);
        return next;
      case 'cas': {
        const matches = current === (op.expected ?? absent);
        if (known && op.output?.swapped !== matches) return undefined;
        if (matches) next.set(op.key, op.value!);
        return next;
      }
    }
  };

  const search = (state: Map<string, string | null>, definiteLeft: number): boolean => {
    if (definiteLeft === 0) return true;
    for (let i = 0; i < live.length; i++) {
      if (placed[i]) continue;
      const op = live[i];
      // Every definite operation that returned before this one's call must already be placed.
      if (live.some((p, j) => !placed[j] && j !== i && mustPrecede(p, op))) continue;
      const after = apply(state, op);
      if (after === undefined) continue;
      placed[i] = true;
      const found = search(after, definiteLeft - (op.status === 'ok' ? 1 : 0));
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return search(new Map(), definiteCount);
}

const keyArb = fc.constantFrom('x', 'y');
const valueArb = fc.constantFrom('a', 'b');
const readArb = fc.constantFrom(null, 'a', 'b', 'ab', 'ba', 'aa');

/** Arbitrary small histories: random kinds, times, statuses and observed results. */
const randomHistory = fc
  .array(
    fc.record({
      client: fc.integer({ min: 0, max: 3 }),
      kind: fc.constantFrom('get', 'get', 'put', 'append', 'cas', 'delete'),
      key: keyArb,
      value: valueArb,
      expected: fc.option(valueArb, { nil: null }),
      read: readArb,
      swapped: fc.boolean(),
      call: fc.integer({ min: 0, max: 12 }),
      length: fc.integer({ min: 0, max: 6 }),
      status: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'info', 'fail'),
    }),
    { minLength: 1, maxLength: 7 },
  )
  .map((raw) =>
    raw.map((r): KvOp => {
      const status = r.status as KvOp['status'];
      const kind = r.kind as KvOp['kind'];
      const base = { client: r.client, kind, key: r.key, call: r.call, status };
      const ret = status === 'info' ? null : r.call + r.length;
      const output =
        status !== 'ok'
          ? undefined
          : kind === 'get'
            ? { value: r.read }
            : kind === 'cas'
              ? { swapped: r.swapped }
              : {};
      return {
        ...base,
        ret,
        ...(kind === 'put' || kind === 'append' || kind === 'cas' ? { value: r.value } : {}),
        ...(kind === 'cas' ? { expected: r.expected } : {}),
        ...(output ? { output } : {}),
      };
    }),
  );

/**
 * Histories from an actual sequential execution (each operation takes effect at a point
 * inside its [call, ret] interval, so they are linearizable), optionally with one observed
 * result corrupted.
 */
const executedHistory = fc
  .array(
    fc.record({
      kind: fc.constantFrom('get', 'get', 'put', 'append', 'cas'),
      key: keyArb,
      value: valueArb,
      expected: fc.option(valueArb, { nil: null }),
      call: fc.integer({ min: 0, max: 20 }),
      before: fc.integer({ min: 0, max: 4 }),
      after: fc.integer({ min: 0, max: 4 }),
      status: fc.constantFrom('ok', 'ok', 'ok', 'info', 'info-lost'),
    }),
    { minLength: 1, maxLength: 7 },
  )
  .chain((raw) => fc.tuple(fc.constant(raw), fc.integer({ min: -1, max: raw.length - 1 })))
  .map(([raw, corrupt]): { ops: KvOp[]; corrupted: boolean } => {
    let corrupted = false;
    // Effect points, in order; ties broken by index.
    const points = raw.map((r, i) => ({ i, at: r.call + r.before }));
    points.sort((a, b) => a.at - b.at || a.i - b.i);
    const state = new Map<string, string>();
    const ops = new Array<KvOp>(raw.length);
    for (const { i, at } of points) {
      const r = raw[i];
      const kind = r.kind as KvOp['kind'];
      const lost = r.status === 'info-lost'; // timed out and never applied
      const current = state.get(r.key) ?? null;
      let output: KvOp['output'] = {};
      if (!lost) {
        if (kind === 'get') output = { value: current };
        else if (kind === 'put') state.set(r.key, r.value);
        else if (kind === 'append') state.set(r.key, (current ?? '') + r.value);
        else if (kind === 'cas') {
          const swapped = current === r.expected;
          if (swapped) state.set(r.key, r.value);
          output = { swapped };
        }
      }
      const definite = r.status === 'ok';
      if (i === corrupt && definite && kind === 'get') output = { value: current === 'zz' ? null : 'zz' };
      if (i === corrupt && definite && kind === 'cas') output = { swapped: !output.swapped };
      if (i === corrupt && definite && (kind === 'get' || kind === 'cas')) corrupted = true;
      ops[i] = {
        client: i,
        kind,
        key: r.key,
        ...(kind === 'get' ? {} : { value: r.value }),
        ...(kind === 'cas' ? { expected: r.expected } : {}),
        call: r.call,
        ret: definite ? at + r.after : null,
        status: definite ? 'ok' : 'info',
        ...(definite ? { output } : {}),
      };
    }
    return { ops, corrupted };
  });

describe('WGL engine against a brute-force oracle', () => {
  it('agrees on random small histories (info and fail included)', () => {
    let both = { yes: 0, no: 0 };
    fc.assert(
      fc.property(randomHistory, (ops) => {
        const expected = bruteForceLinearizable(ops);
        const got = checkOperations(kvModel, kvOperations(ops)).verdict;
        both = expected ? { ...both, yes: both.yes + 1 } : { ...both, no: both.no + 1 };
        expect(got).toBe(expected ? 'linearizable' : 'nonLinearizable');
      }),
      { numRuns: 600, seed: 1234 },
    );
    // The generator exercises both verdicts.
    expect(both.yes).toBeGreaterThan(30);
    expect(both.no).toBeGreaterThan(30);
  });

  it('agrees on executed histories; uncorrupted ones are always linearizable', () => {
    let corruptedCaught = 0;
    fc.assert(
      fc.property(executedHistory, ({ ops, corrupted }) => {
        const expected = bruteForceLinearizable(ops);
        const got = checkOperations(kvModel, kvOperations(ops)).verdict;
        expect(got).toBe(expected ? 'linearizable' : 'nonLinearizable');
        if (!corrupted) expect(got).toBe('linearizable');
        else if (got === 'nonLinearizable') corruptedCaught++;
      }),
      { numRuns: 800, seed: 4321 },
    );
    expect(corruptedCaught).toBeGreaterThan(50);
  });

  it('the absent-as-empty KV variant agrees with its oracle too', () => {
    const model = createKvModel({ initialValue: '' });
    fc.assert(
      fc.property(randomHistory, (ops) => {
        expect(checkOperations(model, kvOperations(ops)).verdict).toBe(
          bruteForceLinearizable(ops, '') ? 'linearizable' : 'nonLinearizable',
        );
      }),
      { numRuns: 300, seed: 777 },
    );
  });
});

describe('the engine is generic over models', () => {
  // A FIFO queue with array states: needs the model's own equal and hash.
  type QIn = { op: 'enq'; v: number } | { op: 'deq' };
  type QOut = { v: number | null };
  const queueModel: CheckerModel<readonly number[], QIn, QOut> = {
    name: 'queue',
    init: () => [],
    step(state, input, output) {
      if (input.op === 'enq') return [true, [...state, input.v]];
      const head = state.length > 0 ? state[0] : null;
      return output.v === head ? [true, state.slice(1)] : [false, state];
    },
    equal: (a, b) => a.length === b.length && a.every((v, i) => v === b[i]),
    hash: (s) => s.reduce((h, v) => finalizeHash(h ^ v), hashString('q')),
    describeOperation: (i, o) => (i.op === 'enq' ? `enq ${i.v}` : `deq -> ${o.v}`),
    describeState: (s) => `[${s.join(' ')}]`,
  };
  const op = (client: number, input: QIn, call: number, ret: number, v: number | null = null) =>
    ({ client, input, output: { v }, call, ret }) satisfies HistoryOperation<QIn, QOut>;

  it('checks a queue: concurrent enqueues may dequeue in either order, but FIFO holds', () => {
    const enqs = [op(1, { op: 'enq', v: 1 }, 0, 10), op(2, { op: 'enq', v: 2 }, 0, 10)];
    const ok = [...enqs, op(3, { op: 'deq' }, 11, 12, 2), op(3, { op: 'deq' }, 13, 14, 1)];
    expect(checkOperations(queueModel, ok).verdict).toBe('linearizable');
    const sequential = [
      op(1, { op: 'enq', v: 1 }, 0, 1),
      op(2, { op: 'enq', v: 2 }, 2, 3),
      op(3, { op: 'deq' }, 4, 5, 2),
    ];
    const r = checkOperations(queueModel, sequential);
    expect(r.verdict).toBe('nonLinearizable');
    expect(r.model).toBe('queue');
    expect(r.violation!.stateAfterPrefix).toBe('[1 2]');
    expect(r.violation!.blocked.map((b) => b.description)).toEqual(['deq -> 2']);
  });

  it('refuses object states without equal/hash instead of comparing references', () => {
    const { equal: _e, hash: _h, ...noEquality } = queueModel;
    expect(() => checkOperations(noEquality, [op(1, { op: 'enq', v: 1 }, 0, 1)])).toThrow(
      /equal\(\) and hash\(\)/,
    );
  });

  it('rejects a history whose return precedes its call', () => {
    expect(() => checkOperations(queueModel, [op(1, { op: 'enq', v: 1 }, 5, 4)])).toThrow(/before its call/);
  });
});
