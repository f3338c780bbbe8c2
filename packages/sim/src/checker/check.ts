import { Budget, type BudgetOptions } from './budget.js';
import { explainViolation } from './explain.js';
import type { CheckerModel, HistoryOperation, HistoryPartition } from './model.js';
import type { CheckResult, PartitionReport, Violation } from './result.js';
import { searchPartition } from './wgl.js';

export interface CheckOptions extends BudgetOptions {
  /**
   * Keep checking the other partitions after one is found not linearizable (to fill in
   * every partition's report). Default false: the first violation decides.
   */
  readonly allPartitions?: boolean;
}

/**
 * Checks a history against a model: split into partitions (if the model can), search each
 * one (smallest first, so a cheap violation is found before an expensive proof), and
 * combine. Any violation makes the history nonLinearizable; otherwise an exhausted budget
 * makes it unknown.
 */
export function checkOperations<S, I, O>(
  model: CheckerModel<S, I, O>,
  operations: readonly HistoryOperation<I, O>[],
  options: CheckOptions = {},
): CheckResult {
  const budget = new Budget(options);
  const partitions: readonly HistoryPartition<I, O>[] = model.partition
    ? model.partition(operations)
    : [{ label: 'all', operations }];
  const reports: PartitionReport[] = partitions.map((p) => ({
    partition: p.label,
    operations: p.operations.length,
    outcome: 'notChecked',
    steps: 0,
  }));
  const order = partitions
    .map((_, i) => i)
    .sort((a, b) => partitions[a].operations.length - partitions[b].operations.length);

  let violation: Violation | undefined;
  let exhausted = false;
  let checked = 0;
  for (const i of order) {
    if (violation && !options.allPartitions) break;
    if (exhausted || budget.stepsLeft <= 0 || budget.timeIsUp()) {
      exhausted = true;
      break;
    }
    const { label, operations: ops } = partitions[i];
    const search = searchPartition(model, ops, budget);
    reports[i] = { partition: label, operations: ops.length, outcome: search.outcome, steps: search.steps };
    if (search.outcome === 'budgetExhausted') {
      exhausted = true;
      continue;
    }
    checked++;
    if (search.outcome === 'nonLinearizable' && !violation) {
      violation = explainViolation(model, label, ops, search.longestPrefix);
    }
  }

  const base = {
    model: model.name,
    operations: operations.length,
    partitions: partitions.length,
    partitionsChecked: checked,
    steps: budget.steps,
    elapsedMs: budget.elapsedMs(),
    partitionReports: reports,
  };
  if (violation) return { ...base, verdict: 'nonLinearizable', violation };
  if (exhausted) {
    return { ...base, verdict: 'unknown', budgetExhausted: budget.stepsLeft <= 0 ? 'steps' : 'time' };
  }
  return { ...base, verdict: 'linearizable' };
}
