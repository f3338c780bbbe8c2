/**
 * The raftkit history file format: KvOp records as JSON, either
 *
 *   - JSON lines: one KvOp object per line (blank lines ignored), which a recorder can
 *     append to as it goes and which survives a crash mid-write up to the last full line; or
 *   - one JSON array of KvOp objects.
 *
 * Each record: `{"client":1,"kind":"put","key":"x","value":"1","call":10,"ret":12,"status":"ok"}`.
 * Fields as in `KvOp`: `get` carries `output.value` (null = absent) when ok; `cas` carries
 * `expected` (null = absent) and `output.swapped` when ok; `info` records have `ret: null`
 * (any ret given is ignored: the outcome is unknown, it may take effect any time after
 * the call); `fail` records are definitely without effect. Times are numbers on one clock
 * (virtual ticks, or milliseconds); only their order matters.
 */
import { HistoryFormatError } from './errors.js';
import { type KvOp, validateKvOp } from './history.js';

export type RaftkitStyle = 'jsonl' | 'array';

export function serializeHistory(ops: readonly KvOp[], style: RaftkitStyle = 'jsonl'): string {
  if (style === 'array') return `[\n${ops.map((op) => `  ${JSON.stringify(op)}`).join(',\n')}\n]\n`;
  return ops.map((op) => `${JSON.stringify(op)}\n`).join('');
}

export function parseRaftkitHistory(text: string): KvOp[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new HistoryFormatError(`not a valid JSON array: ${(err as Error).message}`, undefined, 'raftkit');
    }
    if (!Array.isArray(parsed)) throw new HistoryFormatError('expected a JSON array', undefined, 'raftkit');
    return parsed.map((raw, index) => validateKvOp(raw, { index }));
  }
  const ops: KvOp[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      throw new HistoryFormatError(`not valid JSON: ${(err as Error).message}`, i + 1, 'raftkit');
    }
    ops.push(validateKvOp(raw, { line: i + 1 }));
  }
  return ops;
}
