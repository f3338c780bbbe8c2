import type { CheckerModel, HistoryOperation } from './model.js';
import type { BlockedOperation, LinearizedStep, ReportedOperation, Violation } from './result.js';

export function reportOperation<I, O>(
  model: CheckerModel<unknown, I, O>,
  op: HistoryOperation<I, O>,
  index: number,
): ReportedOperation {
  return {
    id: op.id ?? index,
    client: op.client,
    call: op.call,
    ret: Number.isFinite(op.ret) ? op.ret : null,
    description: model.describeOperation(op.input, op.output),
  };
}

/**
 * Turns the search's furthest point into a readable account: replay the longest prefix,
 * then list the operations that were candidates to come next (invoked before the earliest
 * pending completion) and say why each could not: the model rejects it outright, or it
 * leads only to dead ends.
 */
export function explainViolation<S, I, O>(
  model: CheckerModel<S, I, O>,
  label: string,
  ops: readonly HistoryOperation<I, O>[],
  longestPrefix: readonly number[],
): Violation {
  const describe = model as CheckerModel<unknown, I, O>;
  let state = model.init();
  const prefix: LinearizedStep[] = [];
  const placed = new Uint8Array(ops.length);
  const same = (a: S, b: S) => (model.equal ? model.equal(a, b) : a === b);
  for (const index of longestPrefix) {
    const op = ops[index];
    const [legal, after] = model.step(state, op.input, op.output);
    if (!legal) throw new Error(`internal: prefix operation ${index} is not legal on replay`);
    placed[index] = 1;
    // An indeterminate operation that changed nothing is the same as one that never
    // happened: leave it out of the account.
    if (op.ret === Number.POSITIVE_INFINITY && same(state, after)) continue;
    state = after;
    prefix.push({ ...reportOperation(describe, op, index), stateAfter: model.describeState(state) });
  }

  let deadlineIndex = -1;
  for (let i = 0; i < ops.length; i++) {
    if (placed[i] === 0 && (deadlineIndex < 0 || ops[i].ret < ops[deadlineIndex].ret)) deadlineIndex = i;
  }
  const blocked: BlockedOperation[] = [];
  if (deadlineIndex >= 0) {
    const horizon = ops[deadlineIndex].ret;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (placed[i] === 1 || op.call > horizon) continue;
      const [legal] = model.step(state, op.input, op.output);
      blocked.push({ ...reportOperation(describe, op, i), reason: legal ? 'deadEnd' : 'illegal' });
    }
    blocked.sort((a, b) => a.call - b.call || a.id - b.id);
  }
  return {
    partition: label,
    operationCount: ops.length,
    prefix,
    stateAfterPrefix: model.describeState(state),
    blocked,
    deadline: deadlineIndex >= 0 ? reportOperation(describe, ops[deadlineIndex], deadlineIndex) : null,
  };
}
