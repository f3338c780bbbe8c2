import type { HistoryOperation, HistoryPartition } from './model.js';

/** Groups operations by a key, keeping their order; one partition per key, in first-seen order. */
export function partitionByKey<I, O>(
  operations: readonly HistoryOperation<I, O>[],
  keyOf: (input: I) => string,
): HistoryPartition<I, O>[] {
  const groups = new Map<string, HistoryOperation<I, O>[]>();
  for (const op of operations) {
    const key = keyOf(op.input);
    let group = groups.get(key);
    if (group === undefined) {
      group = [];
      groups.set(key, group);
    }
    group.push(op);
  }
  return [...groups].map(([label, ops]) => ({ label, operations: ops }));
}

/** Printable value: JSON for strings and numbers, `nil` for absent. */
export function showValue(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return 'nil';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
