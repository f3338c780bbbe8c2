/**
 * The contract between the linearizability engine and a sequential specification.
 *
 * A model says, for one state and one operation (input + observed output), whether the
 * operation could have happened there and what state it leaves. The engine (wgl.ts) only
 * ever sees models through this interface, so the KV model and the Jepsen register model
 * share one search.
 */

/** One completed (or indeterminate) operation in engine form. */
export interface HistoryOperation<I, O> {
  /** Who issued it: for reports only (the engine does not require per-client order). */
  readonly client: string | number;
  readonly input: I;
  /** What was observed. For an indeterminate operation this is the model's "unknown" output. */
  readonly output: O;
  /** Invocation time. */
  readonly call: number;
  /** Completion time; `Infinity` when indeterminate (may take effect at any time after `call`, or never). */
  readonly ret: number;
  /** Position in the source history (for reports); defaults to the index in the operation list. */
  readonly id?: number;
}

/** Independent sub-histories (P-compositionality): a history is linearizable iff each part is. */
export interface HistoryPartition<I, O> {
  /** Human-readable name of the part, e.g. the key. */
  readonly label: string;
  readonly operations: readonly HistoryOperation<I, O>[];
}

/** Result of one model step: whether the operation is legal in `state`, and the state after it. */
export type ModelStep<S> = readonly [ok: boolean, next: S];

export interface CheckerModel<S, I, O> {
  readonly name: string;
  init(): S;
  /** Must be pure: the engine calls it many times on the same arguments while backtracking. */
  step(state: S, input: I, output: O): ModelStep<S>;
  /** Split into independent parts; default: one part with everything. */
  partition?(operations: readonly HistoryOperation<I, O>[]): readonly HistoryPartition<I, O>[];
  /**
   * State equality, for non-primitive states. Default: primitive states (number, string,
   * boolean, null, ...) compared by value. Requires `hash`.
   */
  equal?(a: S, b: S): boolean;
  /** 32-bit hash consistent with `equal`. */
  hash?(state: S): number;
  /**
   * True when the operation, wherever it is legal, leaves the state unchanged (a read with
   * a known result, a cas known to have failed). The search then places it as soon as it
   * is legal and does not branch on it: moving such an operation earlier never breaks a
   * valid order. Optional; omitting it only costs speed.
   */
  readOnly?(input: I, output: O): boolean;
  describeOperation(input: I, output: O): string;
  describeState(state: S): string;
}
