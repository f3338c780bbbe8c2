import type { NodeStatusReport } from '@raftkit/net';
import type { KvOp } from '@raftkit/sim';
import { describe, expect, it } from 'vitest';
import {
  alertsVerdict,
  convergenceVerdict,
  harnessVerdict,
  historyVerdict,
  lostWritesVerdict,
  type StatusRow,
} from '../src/index.js';

const row = (id: string, appliedIndex: number, stateHash: string): StatusRow => ({
  id,
  report: { id, node: { appliedIndex, stateHash } } as unknown as NodeStatusReport,
});

describe('the harness checks fail when they should', () => {
  it('a lost acknowledged write, a wrong value and an unreadable key each fail the durability check', () => {
    const acked = new Map([
      ['u0.1', '1'],
      ['u0.2', '2'],
    ]);
    expect(
      lostWritesVerdict(
        acked,
        new Map([
          ['u0.1', '1'],
          ['u0.2', '2'],
        ]),
      ).ok,
    ).toBe(true);
    const lost = lostWritesVerdict(
      acked,
      new Map([
        ['u0.1', '1'],
        ['u0.2', undefined],
      ]),
    );
    expect(lost.ok).toBe(false);
    expect(lost.detail).toMatch(/1 LOST: u0.2 \(acked "2", read absent\)/);
    expect(
      lostWritesVerdict(
        acked,
        new Map([
          ['u0.1', 'x'],
          ['u0.2', '2'],
        ]),
      ).ok,
    ).toBe(false);
    expect(
      lostWritesVerdict(
        acked,
        new Map<string, string | Error>([
          ['u0.1', '1'],
          ['u0.2', new Error('timeout')],
        ]),
      ).ok,
    ).toBe(false);
  });

  it('a divergent state hash or a silent node fails convergence', () => {
    const ids = ['n1', 'n2', 'n3'];
    expect(convergenceVerdict([row('n1', 9, 'aa'), row('n2', 9, 'aa'), row('n3', 9, 'aa')], ids).ok).toBe(
      true,
    );
    const diverged = convergenceVerdict([row('n1', 9, 'aa'), row('n2', 9, 'bb'), row('n3', 9, 'aa')], ids);
    expect(diverged).toMatchObject({ ok: false, detail: 'DIVERGED: n1 n3 at 9:aa; n2 at 9:bb' });
    expect(convergenceVerdict([row('n1', 9, 'aa'), row('n2', 8, 'cc'), row('n3', 9, 'aa')], ids).ok).toBe(
      false,
    );
    expect(
      convergenceVerdict([row('n1', 9, 'aa'), { id: 'n2', report: null }, row('n3', 9, 'aa')], ids),
    ).toMatchObject({
      ok: false,
      detail: 'no status from n2',
    });
  });

  it('a stale read makes the history non-linearizable', () => {
    const ops: KvOp[] = [
      { client: 'c0', kind: 'put', key: 'k', value: 'a', call: 0, ret: 1, status: 'ok' },
      { client: 'c1', kind: 'put', key: 'k', value: 'b', call: 2, ret: 3, status: 'ok' },
      { client: 'c0', kind: 'get', key: 'k', call: 4, ret: 5, status: 'ok', output: { value: 'b' } },
    ];
    expect(historyVerdict(ops).ok).toBe(true);
    const stale = ops.map((o, i) => (i === 2 ? { ...o, output: { value: 'a' } } : o));
    const verdict = historyVerdict(stale);
    expect(verdict.ok).toBe(false);
    expect(verdict.detail).toMatch(/NOT linearizable/);
    expect(verdict.explanation).toBeTruthy();
  });

  it('any safety alert or harness problem fails the run', () => {
    expect(alertsVerdict([]).ok).toBe(true);
    expect(
      alertsVerdict([{ source: 'harness monitor', kind: 'twoLeaders', message: 'n1 and n2 lead term 3' }]),
    ).toMatchObject({
      ok: false,
      detail: '1 raised: twoLeaders (harness monitor): n1 and n2 lead term 3',
    });
    expect(harnessVerdict([]).ok).toBe(true);
    expect(harnessVerdict(['n2 exited on its own (code 1, signal null)']).ok).toBe(false);
  });
});
