import { NotLeaderError, ProposalDroppedError, TimeoutError } from '@raftkit/runtime';
import { checkOperations, HistoryRecorder, kvModel, kvOperations } from '@raftkit/sim';
import { describe, expect, it } from 'vitest';
import type { KvClient } from '../src/model.js';
import { classifyFailure, Workload } from '../src/workload.js';
import { waitFor } from './helpers/wait-for.js';

describe('classifyFailure', () => {
  it('says fail only when the operation certainly had no effect', () => {
    expect(classifyFailure(new NotLeaderError('n1', 'n2'))).toBe('fail');
    expect(classifyFailure(new ProposalDroppedError('notLeader', false, null))).toBe('fail');
    expect(classifyFailure(new ProposalDroppedError('termChanged', true, null))).toBe('info');
    expect(classifyFailure(new TimeoutError('slow'))).toBe('info');
    expect(classifyFailure(new Error('anything else'))).toBe('info');
  });
});

/** An in-memory KV that fails every `failEvery`-th call in a given way. */
function memoryClient(store: Map<string, string>, fault: (n: number) => Error | null): KvClient {
  let n = 0;
  const step = async () => {
    const err = fault(++n);
    if (err) throw err;
  };
  return {
    put: async (k, v) => {
      await step();
      store.set(k, v);
    },
    get: async (k) => {
      await step();
      return store.get(k);
    },
    cas: async (k, expected, v) => {
      await step();
      if ((store.get(k) ?? null) !== expected) return false;
      store.set(k, v);
      return true;
    },
    delete: async (k) => {
      await step();
      store.delete(k);
    },
    append: async (k, s) => {
      await step();
      store.set(k, (store.get(k) ?? '') + s);
    },
  };
}

describe('Workload', () => {
  it('records every operation with the right status and stops cleanly', async () => {
    const store = new Map<string, string>();
    const recorder = new HistoryRecorder();
    const clients = [
      memoryClient(store, () => null),
      memoryClient(store, (n) => (n % 5 === 0 ? new NotLeaderError('n1', null) : null)),
      memoryClient(store, (n) => (n % 7 === 0 ? new TimeoutError('slow') : null)),
    ];
    const workload = new Workload({ clients, recorder, seed: 3, thinkMs: 2, keys: 3 });
    workload.start();
    await waitFor(() => workload.view().ok > 200, { timeoutMs: 10_000 });
    await workload.stop();
    const ops = workload.history();
    const v = workload.view();
    expect(v.pending).toBe(0);
    expect(ops.length).toBe(v.ok + v.failed + v.indeterminate);
    expect(ops.filter((o) => o.status === 'fail').every((o) => o.client === 'c2')).toBe(true);
    expect(ops.filter((o) => o.status === 'info').every((o) => o.client === 'c3')).toBe(true);
    expect(v.failed).toBeGreaterThan(0);
    expect(v.indeterminate).toBeGreaterThan(0);
    for (const kind of ['put', 'get', 'cas', 'append']) expect(ops.some((o) => o.kind === kind)).toBe(true);
    // A sequential store yields a linearizable history: the recording itself is faithful.
    expect(checkOperations(kvModel, kvOperations(ops)).verdict).toBe('linearizable');
  });
});
