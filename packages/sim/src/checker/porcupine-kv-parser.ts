/**
 * Porcupine's KV histories (kv/cNN-ok.txt, kv/cNN-bad.txt): one EDN map per line,
 *
 *   {:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}
 *   {:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y"}
 *
 * `:f` is `:get` (value on `:ok`; nil on invoke), `:put` or `:append`. A missing key
 * reads as "" (check with `porcupineKvModel`). `:fail` = no effect, `:info` =
 * indeterminate, an invocation never completed = indeterminate. Times are line numbers.
 */
import { EdnSyntaxError, type EdnValue, isKeyword, readEdn } from './edn.js';
import { HistoryFormatError } from './errors.js';
import type { KvOp } from './history.js';

const KINDS = new Set(['get', 'put', 'append']);

interface Invocation {
  readonly slot: number;
  readonly kind: 'get' | 'put' | 'append';
  readonly key: string;
  readonly value: string | undefined;
  readonly call: number;
  readonly line: number;
}

export function parsePorcupineKvLog(text: string): KvOp[] {
  const ops: (KvOp | undefined)[] = [];
  const pending = new Map<number | string, Invocation>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const source = lines[i].trim();
    if (source === '') continue;
    const lineNo = i + 1;
    const fail = (msg: string): never => {
      throw new HistoryFormatError(msg, lineNo, 'porcupine-kv');
    };
    let form: EdnValue;
    try {
      form = readEdn(source);
    } catch (err) {
      if (err instanceof EdnSyntaxError) fail(`cannot read: ${err.message}`);
      throw err;
    }
    if (!(form instanceof Map)) fail('expected a map {:process .., :type .., :f .., :key .., :value ..}');
    const map = form as ReadonlyMap<string, EdnValue>;
    const process = map.get('process');
    const type = map.get('type');
    const f = map.get('f');
    const key = map.get('key');
    const value = map.get('value') ?? null;
    if (typeof process !== 'number' && typeof process !== 'string')
      fail(':process must be a number or string');
    if (!isKeyword(type)) fail(':type must be a keyword');
    if (!isKeyword(f) || !KINDS.has(f.keyword)) fail(':f must be :get, :put or :append');
    if (typeof key !== 'string') fail(':key must be a string');
    if (value !== null && typeof value !== 'string') fail(':value must be a string or nil');
    const client = process as number | string;
    const kind = (f as { keyword: string }).keyword as Invocation['kind'];
    const time = lineNo; // line numbers are the log's real-time order

    switch ((type as { keyword: string }).keyword) {
      case 'invoke': {
        const open = pending.get(client);
        if (open) fail(`process ${client} invoked while its line ${open.line} is open`);
        if (kind !== 'get' && value === null) fail(`:${kind} needs a :value`);
        pending.set(client, {
          slot: ops.length,
          kind,
          key: key as string,
          value: kind === 'get' ? undefined : (value as string),
          call: time,
          line: lineNo,
        });
        ops.push(undefined);
        break;
      }
      case 'ok':
      case 'fail':
      case 'info': {
        const status = (type as { keyword: string }).keyword as KvOp['status'];
        const open = pending.get(client);
        if (!open) fail(`:${status} for process ${client} with no open invocation`);
        const inv = open!;
        if (inv.kind !== kind || inv.key !== key) {
          fail(
            `:${status} :${kind} ${JSON.stringify(key)} completes a different invocation (line ${inv.line})`,
          );
        }
        pending.delete(client);
        if (status === 'ok' && kind === 'get' && value === null) fail('an :ok :get needs a :value');
        ops[inv.slot] = toKvOp(client, inv, status, time, value as string | null);
        break;
      }
      default:
        fail(`unknown :type :${(type as { keyword: string }).keyword}`);
    }
  }
  for (const [client, inv] of pending) ops[inv.slot] = toKvOp(client, inv, 'info', null, null);
  return ops as KvOp[];
}

function toKvOp(
  client: number | string,
  inv: Invocation,
  status: KvOp['status'],
  ret: number | null,
  value: string | null,
): KvOp {
  const base = { client, kind: inv.kind, key: inv.key, call: inv.call };
  const done = status === 'info' ? { ret: null, status } : { ret, status };
  if (inv.kind === 'get') {
    return { ...base, ...done, ...(status === 'ok' ? { output: { value } } : {}) };
  }
  return { ...base, value: inv.value, ...done };
}
