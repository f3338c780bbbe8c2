import type { CheckerModel, HistoryOperation, ModelStep } from './model.js';
import { partitionByKey, showValue } from './partition.js';

/** A register value as Jepsen logs it: an integer, a string (other EDN tokens), or nil. */
export type RegisterValue = number | string | null;

/**
 * One operation of a Jepsen register history, as logged. `outcome` keeps Jepsen's meaning
 * per operation: `ok`; `fail` (for a cas: it ran and found another value, so it did not
 * swap; for a read or write: no effect); `info` (indeterminate: may take effect any time
 * after the call, or never).
 */
export interface RegisterOp {
  readonly process: number | string;
  readonly key: string;
  readonly f: 'read' | 'write' | 'cas';
  /** write: the value written; cas: the new value. */
  readonly value?: RegisterValue;
  /** cas: the expected value. */
  readonly expected?: RegisterValue;
  /** ok read: the value read. */
  readonly read?: RegisterValue;
  readonly outcome: 'ok' | 'fail' | 'info';
  readonly call: number;
  /** null when indeterminate. */
  readonly ret: number | null;
  /** Source line of the invocation (1-based). */
  readonly line?: number;
}

export interface RegisterInput {
  readonly key: string;
  readonly f: 'read' | 'write' | 'cas';
  /** write value / cas new value. */
  readonly value: RegisterValue;
  /** cas expected value. */
  readonly expected: RegisterValue;
}

export interface RegisterOutput {
  /** false when indeterminate: any result is acceptable. */
  readonly known: boolean;
  /** read result. */
  readonly value: RegisterValue;
  /** cas result. */
  readonly swapped: boolean;
}

const ILLEGAL: ModelStep<never> = [false, undefined as never];

/**
 * Jepsen's etcd register, one per key, starting at nil: read returns the value; write
 * sets it; cas [a b] sets b iff the value is a, and an ok cas must have swapped, a failed
 * one must not have. Indeterminate operations accept any result.
 */
export const registerModel: CheckerModel<RegisterValue, RegisterInput, RegisterOutput> = {
  name: 'register',
  init: () => null,
  step(state, input, output): ModelStep<RegisterValue> {
    switch (input.f) {
      case 'read':
        return !output.known || output.value === state ? [true, state] : ILLEGAL;
      case 'write':
        return [true, input.value];
      case 'cas': {
        const matches = state === input.expected;
        if (output.known && output.swapped !== matches) return ILLEGAL;
        return [true, matches ? input.value : state];
      }
    }
  },
  partition: (operations) => partitionByKey(operations, (input) => input.key),
  // A read with a known result, or a cas known to have failed, never changes the register.
  readOnly: (input, output) => output.known && (input.f === 'read' || (input.f === 'cas' && !output.swapped)),
  describeOperation(input, output) {
    switch (input.f) {
      case 'read':
        return `read -> ${output.known ? showValue(output.value) : '?'}`;
      case 'write':
        return `write ${showValue(input.value)}${output.known ? '' : ' (indeterminate)'}`;
      case 'cas': {
        const result = !output.known ? ' (indeterminate)' : output.swapped ? ': ok' : ': fail';
        return `cas [${showValue(input.expected)} ${showValue(input.value)}]${result}`;
      }
    }
  },
  describeState: (state) => showValue(state),
};

const UNKNOWN: RegisterOutput = { known: false, value: null, swapped: false };

/**
 * RegisterOps in engine form. Failed reads and writes are dropped (no effect); a failed
 * cas stays as a cas that did not swap (it observed another value); indeterminate writes
 * and cas stay open to the end of the history; indeterminate reads are dropped (no effect,
 * nothing observed).
 */
export function registerOperations(
  ops: readonly RegisterOp[],
): HistoryOperation<RegisterInput, RegisterOutput>[] {
  const out: HistoryOperation<RegisterInput, RegisterOutput>[] = [];
  for (let id = 0; id < ops.length; id++) {
    const op = ops[id];
    const input: RegisterInput = {
      key: op.key,
      f: op.f,
      value: op.value ?? null,
      expected: op.expected ?? null,
    };
    const base = { client: op.process, input, call: op.call, id };
    if (op.outcome === 'info' || op.ret === null) {
      if (op.f !== 'read') out.push({ ...base, output: UNKNOWN, ret: Number.POSITIVE_INFINITY });
      continue;
    }
    if (op.outcome === 'fail' && op.f !== 'cas') continue;
    const output: RegisterOutput = {
      known: true,
      value: op.f === 'read' ? (op.read ?? null) : null,
      swapped: op.f === 'cas' && op.outcome === 'ok',
    };
    out.push({ ...base, output, ret: op.ret });
  }
  return out;
}
