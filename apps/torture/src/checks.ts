import { checkOperations, formatCheckResult, type KvOp, kvModel, kvOperations } from '@raftkit/sim';
import type { StatusRow } from './observer.js';

/** One check of the run and what it found. */
export interface Verdict {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The recorded history against the KV model (sim's checker). `unknown` (budget spent) fails: nothing was proven. */
export function historyVerdict(ops: readonly KvOp[], budgetMs = 120_000): Verdict & { explanation?: string } {
  const result = checkOperations(kvModel, kvOperations([...ops]), { budgetMs });
  const counted = `${ops.length} operations`;
  if (result.verdict === 'linearizable')
    return { name: 'linearizable', ok: true, detail: `${counted}: linearizable` };
  return {
    name: 'linearizable',
    ok: false,
    detail: `${counted}: ${result.verdict === 'unknown' ? 'inconclusive (checker budget spent)' : 'NOT linearizable'}`,
    explanation: formatCheckResult(result),
  };
}

/** Every acknowledged write read back with its value (`undefined`: absent; an Error: the read failed). */
export function lostWritesVerdict(
  acked: ReadonlyMap<string, string>,
  readBack: ReadonlyMap<string, string | undefined | Error>,
): Verdict {
  const lost: string[] = [];
  const unread: string[] = [];
  for (const [key, value] of acked) {
    const got = readBack.get(key);
    if (got instanceof Error) unread.push(key);
    else if (got !== value)
      lost.push(
        `${key} (acked ${JSON.stringify(value)}, read ${got === undefined ? 'absent' : JSON.stringify(got)})`,
      );
  }
  const ok = lost.length === 0 && unread.length === 0;
  const parts = [`${acked.size} acknowledged writes read back`];
  if (lost.length)
    parts.push(`${lost.length} LOST: ${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ', ...' : ''}`);
  if (unread.length) parts.push(`${unread.length} could not be read: ${unread.slice(0, 5).join(', ')}`);
  return { name: 'no acknowledged write lost', ok, detail: parts.join('; ') };
}

/** Every node reports the same applied index and state hash. */
export function convergenceVerdict(rows: readonly StatusRow[], expected: readonly string[]): Verdict {
  const marks = new Map<string, string[]>();
  const missing: string[] = [];
  for (const id of expected) {
    const n = rows.find((r) => r.id === id)?.report?.node;
    if (!n) {
      missing.push(id);
      continue;
    }
    const mark = `${n.appliedIndex}:${n.stateHash}`;
    marks.set(mark, [...(marks.get(mark) ?? []), id]);
  }
  const name = 'nodes converge to one state hash';
  if (missing.length) return { name, ok: false, detail: `no status from ${missing.join(', ')}` };
  if (marks.size === 1) {
    const [mark] = marks.keys();
    return { name, ok: true, detail: `${expected.length} nodes at applied index:hash ${mark}` };
  }
  const detail = [...marks].map(([mark, ids]) => `${ids.join(' ')} at ${mark}`).join('; ');
  return { name, ok: false, detail: `DIVERGED: ${detail}` };
}

/** No safety alert from the cluster-wide monitor, the nodes' status or their logs. */
export function alertsVerdict(alerts: readonly { source: string; kind: string; message: string }[]): Verdict {
  const name = 'no safety alert';
  if (alerts.length === 0) return { name, ok: true, detail: 'none raised' };
  const shown = alerts.slice(0, 5).map((a) => `${a.kind} (${a.source}): ${a.message}`);
  return { name, ok: false, detail: `${alerts.length} raised: ${shown.join('; ')}` };
}

/** Problems of the run itself: nodes that exited on their own, faults that could not be applied or healed. */
export function harnessVerdict(problems: readonly string[]): Verdict {
  const name = 'nodes stayed up, every fault applied and healed';
  if (problems.length === 0) return { name, ok: true, detail: 'yes' };
  return {
    name,
    ok: false,
    detail: problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; ... (${problems.length})` : ''),
  };
}
