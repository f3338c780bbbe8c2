import { type CheckOptions, checkOperations } from './check.js';
import { HistoryFormatError } from './errors.js';
import type { KvOp, KvOutput } from './history.js';
import type { CheckerModel, HistoryOperation, ModelStep } from './model.js';
import { partitionByKey, showValue } from './partition.js';
import type { CheckResult } from './result.js';

/** Per-key state: the value, or null when absent. */
export type KvState = string | null;
/** The model's view of an output: undefined when the operation is indeterminate. */
export type KvObserved = KvOutput | undefined;
/** What the model needs of an operation's input (no client or times, so equal inputs compare equal). */
export type KvInput = Pick<KvOp, 'kind' | 'key' | 'value' | 'expected'>;

export interface KvModelOptions {
  /**
   * What an absent key holds. null (default): absent is distinct from "" (raftkit).
   * '': absent reads as the empty string and delete resets to it (Porcupine's KV model).
   */
  readonly initialValue?: string | null;
}

const ILLEGAL: ModelStep<never> = [false, undefined as never];

/**
 * Sequential specification of the raftkit KV store, checked one key at a time: get
 * returns the current value; put overwrites; delete removes; append concatenates (to ""
 * when absent); cas swaps iff the current value equals `expected` (null = absent) and
 * reports whether it did. An indeterminate operation (no output) may take effect.
 */
export function createKvModel(options: KvModelOptions = {}): CheckerModel<KvState, KvInput, KvObserved> {
  const initial = options.initialValue ?? null;
  return {
    name: initial === null ? 'kv' : 'kv(absent="")',
    init: () => initial,
    step(state, input, output): ModelStep<KvState> {
      switch (input.kind) {
        case 'get': {
          if (output === undefined) return [true, state];
          return (output.value ?? initial) === state ? [true, state] : ILLEGAL;
        }
        case 'put':
          return [true, input.value as string];
        case 'delete':
          return [true, initial];
        case 'append':
          return [true, (state ?? '') + (input.value as string)];
        case 'cas': {
          const matches = state === (input.expected ?? initial);
          if (output !== undefined && output.swapped !== matches) return ILLEGAL;
          return [true, matches ? (input.value as string) : state];
        }
      }
    },
    partition: (operations) => partitionByKey(operations, (input) => input.key),
    // A get with a known result, or a cas known not to have swapped, never changes the key.
    readOnly: (input, output) =>
      output !== undefined && (input.kind === 'get' || (input.kind === 'cas' && output.swapped === false)),
    describeOperation: describeKvOperation,
    describeState: (state) => showValue(state),
  };
}

export function describeKvOperation(input: KvInput, output: KvObserved): string {
  const k = input.key;
  const pending = output === undefined ? ' (indeterminate)' : '';
  switch (input.kind) {
    case 'get':
      return `get ${k} -> ${output === undefined ? '?' : showValue(output.value)}`;
    case 'put':
      return `put ${k} = ${showValue(input.value)}${pending}`;
    case 'delete':
      return `delete ${k}${pending}`;
    case 'append':
      return `append ${k} += ${showValue(input.value)}${pending}`;
    case 'cas': {
      const result =
        output === undefined ? ' (indeterminate)' : output.swapped ? ': swapped' : ': not swapped';
      return `cas ${k} ${showValue(input.expected)} -> ${showValue(input.value)}${result}`;
    }
  }
}

/** The raftkit KV model: absent is null. */
export const kvModel = createKvModel();

/**
 * KvOps in engine form: 'fail' operations are dropped (definitely no effect), 'info'
 * operations stay open to the end (ret = Infinity) with an unknown output, and
 * indeterminate gets are dropped too (no effect, nothing observed: they fit anywhere).
 */
export function kvOperations(ops: readonly KvOp[]): HistoryOperation<KvInput, KvObserved>[] {
  const out: HistoryOperation<KvInput, KvObserved>[] = [];
  for (let id = 0; id < ops.length; id++) {
    const op = ops[id];
    if (op.status === 'fail') continue;
    if (op.status === 'info') {
      if (op.kind === 'get') continue;
      out.push({
        client: op.client,
        input: op,
        output: undefined,
        call: op.call,
        ret: Number.POSITIVE_INFINITY,
        id,
      });
      continue;
    }
    if (op.ret === null)
      throw new HistoryFormatError(`operation ${id}: a completed operation needs a ret time`);
    out.push({ client: op.client, input: op, output: op.output ?? {}, call: op.call, ret: op.ret, id });
  }
  return out;
}

/** Checks a raftkit KV history (what `HistoryRecorder.ops()` returns) for linearizability, per key. */
export function checkKvHistory(ops: readonly KvOp[], options: CheckOptions = {}): CheckResult {
  return checkOperations(kvModel, kvOperations(ops), options);
}
