import { type Entry, EntryType } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import type { AppStateMachine } from '../src/machine/app-machine.js';
import { encodeAppRequest } from '../src/machine/app-request.js';
import { SessionMachine } from '../src/machine/session-machine.js';

/** A list machine: apply appends (or throws on 'bad', or returns a Promise on 'async'). */
function listMachine(withHash = true): AppStateMachine & { applies: number } {
  let items: unknown[] = [];
  const m = {
    applies: 0,
    apply(cmd: unknown) {
      if (cmd === 'bad') throw new Error('bad command');
      if (cmd === 'async') return Promise.resolve(1);
      items.push(cmd);
      m.applies++;
      return items.length;
    },
    query: () => items,
    snapshot: () => new TextEncoder().encode(JSON.stringify(items)),
    restore(bytes: Uint8Array) {
      items = JSON.parse(new TextDecoder().decode(bytes));
    },
    ...(withHash ? { hash: () => JSON.stringify(items) } : {}),
  };
  return m;
}

let index = 0;
function entry(cmd: unknown, clientId: string | null, seq = 1, type = EntryType.Normal): Entry {
  index++;
  return {
    index,
    term: 1,
    type,
    data: encodeAppRequest(cmd, clientId === null ? null : { clientId, seq }),
  };
}

describe('SessionMachine', () => {
  it('applies a retried (client, seq) once and answers it from the table; refuses an older seq', () => {
    index = 0;
    const app = listMachine();
    const sm = new SessionMachine(app);
    expect(sm.apply(entry('a', 'c1', 1))).toEqual({ ok: true, value: 1 });
    expect(sm.apply(entry('a', 'c1', 1))).toEqual({ ok: true, value: 1 });
    expect(sm.apply(entry('b', 'c1', 2))).toEqual({ ok: true, value: 2 });
    expect(sm.apply(entry('x', 'c1', 1))).toMatchObject({ ok: false, error: 'staleSession', index: 4 });
    // Without a session a command applies every time.
    sm.apply(entry('n', null));
    sm.apply(entry('n', null));
    expect(app.applies).toBe(4);
    expect(sm.appliedIndex).toBe(6);
  });

  it('makes a throw (or a Promise) the cached result of the command, leaving the app untouched', () => {
    index = 0;
    const app = listMachine();
    const sm = new SessionMachine(app);
    expect(sm.apply(entry('bad', 'c1', 1))).toEqual({
      ok: false,
      error: 'apply',
      message: 'bad command',
      index: 1,
    });
    expect(sm.apply(entry('bad', 'c1', 1))).toEqual({
      ok: false,
      error: 'apply',
      message: 'bad command',
      index: 1,
    });
    expect(sm.apply(entry('async', 'c2', 1))).toMatchObject({ ok: false, message: /must be synchronous/ });
    expect(sm.apply(entry(new Uint8Array([1, 2]), 'c3', 1))).toEqual({ ok: true, value: 1 });
    expect(
      sm.apply({ index: 5, term: 1, type: EntryType.Normal, data: new Uint8Array([0xc1]) }),
    ).toMatchObject({
      ok: false,
      error: 'badRequest',
    });
    expect(sm.apply({ index: 6, term: 1, type: EntryType.NoOp, data: new Uint8Array() })).toBeNull();
    expect(app.applies).toBe(1);
  });

  it('lets a throw through with onApplyError halt, without advancing', () => {
    index = 0;
    const sm = new SessionMachine(listMachine(), { onApplyError: 'halt' });
    expect(() => sm.apply(entry('bad', 'c1', 1))).toThrow('bad command');
    expect(sm.appliedIndex).toBe(0);
  });

  it('is deterministic: the same entries give the same hash, snapshot and evictions; a restore carries the table', () => {
    for (const withHash of [true, false]) {
      index = 0;
      const entries = ['c1', 'c2', 'c3', 'c2', 'c4', 'c1'].map((c, i) => entry(`v${i}`, c, 1));
      const a = new SessionMachine(listMachine(withHash), { maxSessions: 2 });
      const b = new SessionMachine(listMachine(withHash), { maxSessions: 2 });
      for (const e of entries) a.apply(e);
      for (const e of entries) b.apply(e);
      expect(a.hash()).toBe(b.hash());
      expect(a.snapshot()).toEqual(b.snapshot());
      expect(a.sessionCount).toBe(2);
      // c2 was used again (answered, not applied); c3 and c4 pushed c1 out, so c1's retry applied again.
      expect(a.query(null)).toEqual(['v0', 'v1', 'v2', 'v4', 'v5']);

      const restored = new SessionMachine(listMachine(withHash), { maxSessions: 2 });
      restored.restore(a.snapshot());
      expect(restored.appliedIndex).toBe(a.appliedIndex);
      expect(restored.hash()).toBe(a.hash());
      // The table came along: a retry of c1's last command is answered, not applied.
      index = a.appliedIndex;
      expect(restored.apply(entry('again', 'c1', 1))).toEqual({ ok: true, value: 5 });
      expect(restored.query(null)).toHaveLength(5);
      expect(() => restored.restore(new TextEncoder().encode('nope'))).toThrow();
      expect(restored.query(null)).toHaveLength(5);
    }
  });

  it('accepts a snapshot that is not bytes (handed back as it was) and any hash, kept short', () => {
    index = 0;
    let state: string[] = [];
    const app: AppStateMachine = {
      apply: (cmd) => state.push(String(cmd)),
      query: () => state,
      snapshot: () => JSON.stringify(state) as unknown as Uint8Array,
      restore: (s) => {
        state = JSON.parse(s as unknown as string);
      },
      hash: () => 'x'.repeat(500),
    };
    const sm = new SessionMachine(app);
    sm.apply(entry('a', 'c1', 1));
    sm.apply(entry('b', 'c1', 2));
    const snap = sm.snapshot();
    state = [];
    sm.restore(snap);
    expect(state).toEqual(['a', 'b']);
    expect(sm.hash().length).toBeLessThanOrEqual(64 + 17);
  });
});
