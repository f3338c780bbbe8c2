import type { HistoryOperation } from './model.js';

/**
 * The WGL entry list in integer form. Every operation has a call node; determinate
 * operations also have a return node. Nodes 1..2n are all entries sorted by time (calls
 * before returns at equal times, so operations touching at one instant count as
 * concurrent), so comparing node numbers compares times.
 *
 * Two doubly linked lists are threaded through the same next/prev arrays:
 * - the main list (head `head`, tail `tail`): determinate calls and returns;
 * - the indeterminate list (head `infoHead`, tail `infoTail`): calls of operations with
 *   ret = Infinity, whose returns never bound anything and are left out.
 * Sentinels at both ends mean no null checks; `infoTail` is the largest node number.
 */
export interface EntryList {
  /** Operation index of each node (-1 for sentinels). */
  readonly op: Int32Array;
  /** 1 for a call node, 0 for a return node or sentinel. */
  readonly isCall: Uint8Array;
  /** For a determinate call node: its return node; for an indeterminate call: -1. */
  readonly match: Int32Array;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly head: number;
  readonly tail: number;
  readonly infoHead: number;
  readonly infoTail: number;
}

export class HistoryTimeError extends Error {
  readonly code = 'HISTORY_TIME';
  constructor(message: string) {
    super(message);
    this.name = 'HistoryTimeError';
  }
}

export function buildEntryList(ops: readonly HistoryOperation<unknown, unknown>[]): EntryList {
  const n = ops.length;
  const times = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const { call, ret } = ops[i];
    if (!Number.isFinite(call)) throw new HistoryTimeError(`operation ${i}: call time ${call} is not finite`);
    if (Number.isNaN(ret) || ret < call) {
      throw new HistoryTimeError(`operation ${i}: return time ${ret} is before its call time ${call}`);
    }
    times[i] = call;
    times[n + i] = ret;
  }
  // Raw entry e < n is the call of op e; e >= n is the return of op e - n.
  const order = Array.from({ length: 2 * n }, (_, e) => e);
  order.sort((a, b) => {
    const ta = times[a];
    const tb = times[b];
    if (ta !== tb) return ta < tb ? -1 : 1;
    const aIsCall = a < n;
    if (aIsCall !== b < n) return aIsCall ? -1 : 1;
    return a - b;
  });

  const head = 0;
  const tail = 2 * n + 1;
  const infoHead = 2 * n + 2;
  const infoTail = 2 * n + 3;
  const size = 2 * n + 4;
  const op = new Int32Array(size).fill(-1);
  const isCall = new Uint8Array(size);
  const match = new Int32Array(size).fill(-1);
  const next = new Int32Array(size).fill(-1);
  const prev = new Int32Array(size).fill(-1);
  const nodeOfRaw = new Int32Array(2 * n);
  for (let p = 0; p < order.length; p++) {
    const raw = order[p];
    const node = p + 1;
    nodeOfRaw[raw] = node;
    op[node] = raw < n ? raw : raw - n;
    isCall[node] = raw < n ? 1 : 0;
  }
  let mainLast = head;
  let infoLast = infoHead;
  const link = (from: number, to: number) => {
    next[from] = to;
    prev[to] = from;
  };
  for (let node = 1; node <= 2 * n; node++) {
    const indeterminate = ops[op[node]].ret === Number.POSITIVE_INFINITY;
    if (!indeterminate) {
      link(mainLast, node);
      mainLast = node;
      if (isCall[node] === 1) match[node] = nodeOfRaw[n + op[node]];
    } else if (isCall[node] === 1) {
      link(infoLast, node);
      infoLast = node;
    }
  }
  link(mainLast, tail);
  link(infoLast, infoTail);
  return { op, isCall, match, next, prev, head, tail, infoHead, infoTail };
}
