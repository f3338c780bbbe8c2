import type { CheckResult, ReportedOperation } from './result.js';

export interface ReportOptions {
  /** How many of the prefix's last operations to show (default 8). */
  readonly prefixTail?: number;
  /** Longest description shown before it is shortened in the middle (default 100). */
  readonly maxText?: number;
}

const VERDICT_TEXT = {
  linearizable: 'LINEARIZABLE',
  nonLinearizable: 'NOT LINEARIZABLE',
  unknown: 'UNKNOWN',
} as const;

/** A human-readable account of a check result: the verdict line, and on violation the explanation. */
export function formatCheckResult(result: CheckResult, options: ReportOptions = {}): string {
  const tailSize = options.prefixTail ?? 8;
  const maxText = options.maxText ?? 100;
  const short = (s: string) =>
    s.length <= maxText ? s : `${s.slice(0, maxText / 2 - 2)} ... ${s.slice(s.length - maxText / 2 + 3)}`;
  const span = (op: ReportedOperation) => `[${op.call}, ${op.ret === null ? '∞)' : `${op.ret}]`}`;
  const row = (op: ReportedOperation) =>
    `#${String(op.id).padEnd(5)} client ${String(op.client).padEnd(4)} ${span(op).padEnd(14)} ${short(op.description)}`;

  const lines: string[] = [];
  lines.push(
    `${VERDICT_TEXT[result.verdict]}  (model ${result.model}, ${result.operations} operations, ` +
      `${result.partitionsChecked}/${result.partitions} partitions checked, ${result.steps} steps, ` +
      `${result.elapsedMs.toFixed(1)} ms)`,
  );
  if (result.verdict === 'unknown') {
    const open = result.partitionReports.filter(
      (p) => p.outcome === 'budgetExhausted' || p.outcome === 'notChecked',
    );
    lines.push(
      `The ${result.budgetExhausted ?? 'search'} budget ran out before a conclusion; undecided partitions: ` +
        open.map((p) => `${p.partition} (${p.operations} ops)`).join(', '),
    );
  }
  const v = result.violation;
  if (v) {
    lines.push(
      `Partition ${JSON.stringify(v.partition)} (${v.operationCount} operations) has no valid order.`,
    );
    const shown = v.prefix.slice(Math.max(0, v.prefix.length - tailSize));
    lines.push(
      `Longest linearizable prefix: ${v.prefix.length} operations` +
        (shown.length < v.prefix.length ? `; the last ${shown.length}:` : ':'),
    );
    for (const step of shown) lines.push(`  ${row(step)}  => ${short(step.stateAfter)}`);
    lines.push(`State after the prefix: ${short(v.stateAfterPrefix)}`);
    if (v.deadline) {
      const when =
        v.deadline.ret === null
          ? 'by the end of the history'
          : `before t=${v.deadline.ret}, when #${v.deadline.id} returned`;
      lines.push(`Operations that could come next (invoked ${when}) and cannot be ordered there:`);
    }
    const indeterminate = v.blocked.filter((op) => op.ret === null);
    for (const op of v.blocked) {
      if (op.ret === null && indeterminate.length > 3) continue;
      const why =
        op.reason === 'illegal'
          ? `impossible in state ${short(v.stateAfterPrefix)}`
          : 'possible, but every continuation fails';
      lines.push(`  ${row(op)}  -- ${why}`);
    }
    if (indeterminate.length > 3) {
      lines.push(
        `  and ${indeterminate.length} indeterminate operations (#${indeterminate.map((op) => op.id).join(', #')}), none of which helps`,
      );
    }
  }
  return lines.join('\n');
}
