import { type Budget, CLOCK_CHECK_INTERVAL } from './budget.js';
import { buildEntryList, type EntryList } from './entries.js';
import { zobristKeys } from './hash.js';
import { MemoCache } from './memo-cache.js';
import type { CheckerModel, HistoryOperation } from './model.js';
import { StateTable } from './state-table.js';

export type SearchOutcome = 'linearizable' | 'nonLinearizable' | 'budgetExhausted';

export interface PartitionSearch {
  readonly outcome: SearchOutcome;
  readonly steps: number;
  /** Configurations memoized (distinct (linearized set, state) pairs reached). */
  readonly cacheSize: number;
  /**
   * The longest sequence of operations (indices into the partition's operations) the
   * search managed to linearize, in linearization order. For a linearizable partition it
   * holds every determinate operation (indeterminate ones left out never took effect).
   */
  readonly longestPrefix: readonly number[];
}

/**
 * Wing & Gong's search with Lowe's memoization, as in Porcupine. The candidates at a
 * configuration are the operations invoked before the earliest pending completion (the
 * first return node in the list). Linearize a candidate if the model accepts it and the
 * resulting (linearized set, state) configuration is new, lift it out and start again;
 * when no candidate is left, undo the most recent choice and try its next sibling. The
 * history is linearizable iff every operation can be placed. A configuration in the memo
 * cache that is not on the current path has been fully explored and failed.
 *
 * Refinements, none of which changes a verdict:
 * - Read-only operations (see `CheckerModel.readOnly`) are placed as soon as they are
 *   legal, without branching: if that fails, so does the configuration before it (a
 *   read-only operation can always be moved earlier, to where it is legal and all its
 *   predecessors are placed). Reaching an explored configuration that way proves the
 *   current one dead.
 * - Indeterminate operations (`ret = Infinity`) may take effect any time after their call,
 *   or never. Once every determinate operation is placed the search succeeds (the rest
 *   never happened). Candidates are tried determinate first, indeterminate second (these
 *   live in their own list), so an indeterminate operation is only placed where it helps.
 *   Placing one where it changes nothing is skipped: leaving it unplaced keeps strictly
 *   more options. Indeterminate operations with identical input and output are
 *   interchangeable, so they are placed only in call order.
 */
export function searchPartition<S, I, O>(
  model: CheckerModel<S, I, O>,
  ops: readonly HistoryOperation<I, O>[],
  budget: Budget,
): PartitionSearch {
  const space = prepareSearch(model, ops);
  const stepLimit = budget.stepsLeft;
  const outcome = runSearch(space, stepLimit, budget);
  budget.steps += Math.min(space.steps, stepLimit);
  return {
    outcome:
      outcome === LINEARIZABLE
        ? 'linearizable'
        : outcome === NOT_LINEARIZABLE
          ? 'nonLinearizable'
          : 'budgetExhausted',
    steps: space.steps,
    cacheSize: space.cache.size,
    longestPrefix: Array.from(space.longest.subarray(0, space.longestLength)),
  };
}

const LINEARIZABLE = 0;
const NOT_LINEARIZABLE = 1;
const BUDGET_EXHAUSTED = 2;

/** Everything the search loop needs, in flat integer form. */
interface SearchSpace {
  readonly list: EntryList;
  readonly table: StateTable<unknown, unknown, unknown>;
  readonly cache: MemoCache;
  readonly zobrist: Int32Array;
  /** Interchangeable earlier indeterminate twin per operation, or -1. */
  readonly twin: Int32Array;
  readonly readOnly: Uint8Array;
  readonly definiteCount: number;
  readonly initialState: number;
  /** Longest prefix found (operation indices), filled by the search. */
  readonly longest: Int32Array;
  longestLength: number;
  steps: number;
}

function prepareSearch<S, I, O>(
  model: CheckerModel<S, I, O>,
  ops: readonly HistoryOperation<I, O>[],
): SearchSpace {
  const n = ops.length;
  const table = new StateTable(
    model,
    ops.map((o) => o.input),
    ops.map((o) => o.output),
  );
  const readOnly = new Uint8Array(n);
  let definiteCount = 0;
  for (let i = 0; i < n; i++) {
    const o = ops[i];
    if (o.ret === Number.POSITIVE_INFINITY) continue;
    definiteCount++;
    if (model.readOnly?.(o.input, o.output)) readOnly[i] = 1;
  }
  return {
    list: buildEntryList(ops),
    table: table as StateTable<unknown, unknown, unknown>,
    // Small partitions (a simulator history has many keys) start with a small table.
    cache: new MemoCache(Math.max(1, Math.ceil(n / 32)), Math.min(1024, 16 + 4 * n)),
    zobrist: zobristKeys(n),
    twin: interchangeableTwins(ops),
    readOnly,
    definiteCount,
    initialState: table.intern(model.init()),
    longest: new Int32Array(n),
    longestLength: 0,
    steps: 0,
  };
}

/** The search loop proper (kept free of setup so the JIT compiles it small and early). */
function runSearch(space: SearchSpace, stepLimit: number, budget: Budget): number {
  const { op: entryOp, isCall, match, next, prev, head, infoHead } = space.list;
  const { table, cache, zobrist, twin, readOnly, longest } = space;
  const n = zobrist.length; // operations
  const linearized = new Uint32Array(Math.max(1, Math.ceil(n / 32)));
  let linearizedHash = 0;
  const stackCall = new Int32Array(n); // call node chosen at each depth
  const stackBound = new Int32Array(n); // for an indeterminate choice: the window's end then
  const stackState = new Int32Array(n); // state id before that choice
  let depth = 0;
  let state = space.initialState;
  let definiteLeft = space.definiteCount;
  // Longest prefix so far; `agree` = how many of its leading entries the current stack shares.
  let longestLength = 0;
  let agree = 0;
  const checkClock = budget.deadline !== Number.POSITIVE_INFINITY;
  let steps = 0;
  let outcome = LINEARIZABLE;

  // Pass 1 walks the main list; at its first return node (`bound`) pass 2 walks the
  // indeterminate list up to that node.
  let indeterminatePass = false;
  let bound = 0;
  let entry = next[head];
  search: while (definiteLeft > 0) {
    if (++steps > stepLimit || (checkClock && steps % CLOCK_CHECK_INTERVAL === 0 && budget.timeIsUp())) {
      outcome = BUDGET_EXHAUSTED;
      break;
    }
    let dead = false; // no candidate left here: backtrack
    if (!indeterminatePass) {
      if (isCall[entry] === 0) {
        // End of the window: now the indeterminate candidates in it.
        indeterminatePass = true;
        bound = entry;
        entry = next[infoHead];
        continue;
      }
    } else if (entry > bound) {
      dead = true;
    } else {
      const t = twin[entryOp[entry]];
      // An interchangeable twin called earlier must be placed first.
      if (t >= 0 && (linearized[t >>> 5] & (1 << (t & 31))) === 0) {
        entry = next[entry];
        continue;
      }
    }

    if (!dead) {
      const o = entryOp[entry];
      const after = table.step(state, o);
      // Illegal here; or indeterminate and without effect here, which is never better than
      // leaving it unplaced (it can still take effect later, or never).
      if (after < 0 || (indeterminatePass && after === state)) {
        entry = next[entry];
        continue;
      }
      const word = o >>> 5;
      const mask = 1 << (o & 31);
      const hash = linearizedHash ^ zobrist[o];
      if (!cache.addIfAbsent(hash ^ table.hashes[after], linearized, word, mask, after)) {
        // Explored before. For a read-only operation that means this configuration is dead too.
        if (readOnly[o] === 0) {
          entry = next[entry];
          continue;
        }
      } else {
        stackCall[depth] = entry;
        stackBound[depth] = bound;
        stackState[depth] = state;
        if (agree === depth && depth < longestLength && longest[depth] === o) agree++;
        depth++;
        state = after;
        linearized[word] |= mask;
        linearizedHash = hash;
        // Lift the call (and a determinate operation's return) out of its list.
        next[prev[entry]] = next[entry];
        prev[next[entry]] = prev[entry];
        const ret = match[entry];
        if (ret >= 0) {
          next[prev[ret]] = next[ret];
          prev[next[ret]] = prev[ret];
          definiteLeft--;
        }
        if (depth > longestLength) {
          for (let d = agree; d < depth; d++) longest[d] = entryOp[stackCall[d]];
          longestLength = depth;
          agree = depth;
        }
        indeterminatePass = false;
        entry = next[head];
        continue;
      }
    }

    // Backtrack: undo choices until one that has untried siblings (a read-only placement has none).
    for (;;) {
      if (depth === 0) {
        outcome = NOT_LINEARIZABLE;
        break search;
      }
      depth--;
      if (agree > depth) agree = depth;
      const call = stackCall[depth];
      const o = entryOp[call];
      state = stackState[depth];
      linearized[o >>> 5] &= ~(1 << (o & 31));
      linearizedHash ^= zobrist[o];
      // Relink in reverse order of lifting (dancing links).
      const ret = match[call];
      if (ret >= 0) {
        next[prev[ret]] = ret;
        prev[next[ret]] = ret;
        definiteLeft++;
      }
      next[prev[call]] = call;
      prev[next[call]] = call;
      if (readOnly[o] === 1) continue;
      indeterminatePass = ret < 0;
      bound = stackBound[depth];
      entry = next[call];
      break;
    }
  }
  space.steps = steps;
  space.longestLength = longestLength;
  return outcome;
}

/**
 * For each indeterminate operation, the closest earlier-called indeterminate operation
 * with the same input and output (-1 if none): the two are interchangeable, so the later
 * one is only a candidate once the earlier one is placed.
 */
function interchangeableTwins<I, O>(ops: readonly HistoryOperation<I, O>[]): Int32Array {
  const twin = new Int32Array(ops.length).fill(-1);
  const indeterminate: number[] = [];
  for (let i = 0; i < ops.length; i++) if (ops[i].ret === Number.POSITIVE_INFINITY) indeterminate.push(i);
  indeterminate.sort((a, b) => ops[a].call - ops[b].call || a - b);
  const lastOfKind = new Map<string, number>();
  for (const i of indeterminate) {
    const kind = identity(ops[i]);
    if (kind === undefined) continue;
    const previous = lastOfKind.get(kind);
    if (previous !== undefined) twin[i] = previous;
    lastOfKind.set(kind, i);
  }
  return twin;
}

/** A structural identity of an operation's input and output; undefined if it has none (no twin then). */
function identity(op: HistoryOperation<unknown, unknown>): string | undefined {
  try {
    return JSON.stringify([op.input, op.output]);
  } catch {
    return undefined;
  }
}
