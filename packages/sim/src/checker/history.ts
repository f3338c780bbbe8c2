import { HistoryFormatError } from './errors.js';

export type KvOpKind = 'get' | 'put' | 'delete' | 'cas' | 'append';
export type KvOpStatus = 'ok' | 'fail' | 'info';

export interface KvOutput {
  /** get: the value read (null = absent). */
  readonly value?: string | null;
  /** cas: whether it swapped. */
  readonly swapped?: boolean;
}

/**
 * One client operation on the KV store, as the simulator and the runtime record it (the
 * raftkit history format).
 */
export interface KvOp {
  readonly client: string | number;
  readonly kind: KvOpKind;
  readonly key: string;
  /** put value / append suffix / cas new value. */
  readonly value?: string;
  /** cas expected value (null = absent). */
  readonly expected?: string | null;
  /** Invocation time. */
  readonly call: number;
  /** Completion time; null = indeterminate ('info'): may take effect any time after call, or never. */
  readonly ret: number | null;
  /** 'fail' = definitely no effect (dropped from the check); 'info' = unknown outcome. */
  readonly status: KvOpStatus;
  /** get result (null = absent); cas swapped. Absent for 'info'. */
  readonly output?: KvOutput;
}

const KINDS: ReadonlySet<string> = new Set(['get', 'put', 'delete', 'cas', 'append']);
const STATUSES: ReadonlySet<string> = new Set(['ok', 'fail', 'info']);

/** Where an operation came from, for error messages. */
export interface SourcePosition {
  /** 1-based line in a JSON-lines file. */
  readonly line?: number;
  /** 0-based position in a JSON array. */
  readonly index?: number;
}

/** Checks one KvOp's shape and consistency; throws HistoryFormatError naming the problem. */
export function validateKvOp(raw: unknown, where: SourcePosition = {}): KvOp {
  const prefix = where.index === undefined ? '' : `operation [${where.index}]: `;
  const fail = (msg: string): never => {
    throw new HistoryFormatError(prefix + msg, where.line, 'raftkit');
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('operation must be a JSON object');
  const op = raw as Record<string, unknown>;
  const { client, kind, key, value, expected, call, ret, status, output } = op;
  if (typeof client !== 'string' && typeof client !== 'number') fail('client must be a string or a number');
  if (typeof kind !== 'string' || !KINDS.has(kind)) fail(`kind must be one of ${[...KINDS].join('|')}`);
  if (typeof key !== 'string') fail('key must be a string');
  if (typeof status !== 'string' || !STATUSES.has(status)) fail('status must be ok|fail|info');
  if (typeof call !== 'number' || !Number.isFinite(call)) fail('call must be a finite number');
  if (ret !== null && ret !== undefined && (typeof ret !== 'number' || !Number.isFinite(ret))) {
    fail('ret must be a finite number or null');
  }
  if (typeof ret === 'number' && ret < (call as number)) fail(`ret ${ret} is before call ${call}`);
  if (status !== 'info' && typeof ret !== 'number')
    fail(`a completed ('${status}') operation needs a ret time`);
  const needsValue = kind === 'put' || kind === 'append' || kind === 'cas';
  if (needsValue && typeof value !== 'string') fail(`${kind} needs a string value`);
  if (!needsValue && value !== undefined) fail(`${kind} takes no value`);
  if (kind === 'cas' && expected !== null && typeof expected !== 'string') {
    fail('cas needs expected: a string or null (absent)');
  }
  if (kind !== 'cas' && expected !== undefined) fail(`${kind} takes no expected value`);
  let out: KvOutput | undefined;
  if (output !== undefined && output !== null) {
    if (typeof output !== 'object' || Array.isArray(output)) fail('output must be an object');
    const o = output as Record<string, unknown>;
    if (o.value !== undefined && o.value !== null && typeof o.value !== 'string') {
      fail('output.value must be a string or null');
    }
    if (o.swapped !== undefined && typeof o.swapped !== 'boolean') fail('output.swapped must be a boolean');
    out = {
      ...(o.value !== undefined ? { value: o.value as string | null } : {}),
      ...(o.swapped !== undefined ? { swapped: o.swapped as boolean } : {}),
    };
  }
  if (status === 'ok' && kind === 'get' && out?.value === undefined) {
    fail('an ok get needs output.value (null when the key was absent)');
  }
  if (status === 'ok' && kind === 'cas' && out?.swapped === undefined) fail('an ok cas needs output.swapped');
  return {
    client: client as string | number,
    kind: kind as KvOpKind,
    key: key as string,
    ...(value !== undefined ? { value: value as string } : {}),
    ...(kind === 'cas' ? { expected: expected as string | null } : {}),
    call: call as number,
    ret: status === 'info' ? null : (ret as number),
    status: status as KvOpStatus,
    ...(out !== undefined && status !== 'info' ? { output: out } : {}),
  };
}
