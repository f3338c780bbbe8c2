/**
 * Jepsen register history logs (as in Porcupine's and ahorn's etcd test data):
 *
 *   INFO  jepsen.util - 3	:invoke	:cas	[1 4]
 *   INFO  jepsen.util - 3	:fail	:cas	[1 4]
 *
 * Each client process runs one operation at a time: `:invoke` then `:ok`, `:fail` or
 * `:info`. Semantics, exactly:
 * - `:ok :read V`: the read returned V (`nil` = the register was empty).
 * - `:fail :cas [A B]`: the cas ran and found a value other than A (kept, as a cas that did
 *   not swap). `:fail :read`/`:fail :write`: no effect (dropped by the checker).
 * - `:info`: indeterminate (timeout). It may have taken effect at any time after the
 *   invocation, or never, so it stays open to the end of the history. The process is done:
 *   Jepsen gives the client a new process number, so an invoke by that process again is
 *   an error in the log.
 * - An invocation with no completion by the end of the log is indeterminate too.
 * Lines that are not client operations (other loggers, the nemesis) are ignored.
 * Times are line numbers, which preserve the log's real-time order.
 */
import { EdnSyntaxError, type EdnValue, isKeyword, readEdnAll } from './edn.js';
import { HistoryFormatError } from './errors.js';
import type { RegisterOp, RegisterValue } from './register-model.js';

const MARKER = 'jepsen.util - ';
const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);
const FUNCTIONS = new Set(['read', 'write', 'cas']);

/** The single register the etcd tests use. */
export const JEPSEN_REGISTER_KEY = 'register';

interface Invocation {
  readonly process: number | string;
  readonly f: 'read' | 'write' | 'cas';
  readonly value: EdnValue;
  readonly call: number;
  readonly line: number;
}

export function parseJepsenLog(text: string): RegisterOp[] {
  const ops: (RegisterOp | undefined)[] = [];
  const pending = new Map<number | string, { slot: number; inv: Invocation }>();
  const done = new Set<number | string>();
  const lines = text.split('\n');

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const at = lines[i].indexOf(MARKER);
    if (at < 0) continue;
    const fail = (msg: string): never => {
      throw new HistoryFormatError(msg, lineNo, 'jepsen');
    };
    let forms: EdnValue[];
    try {
      forms = readForms(lines[i].slice(at + MARKER.length));
    } catch (err) {
      if (err instanceof EdnSyntaxError) fail(`cannot read: ${err.message}`);
      throw err;
    }
    const [processForm, typeForm, fForm, valueForm] = forms;
    if (typeof processForm !== 'number') continue; // the nemesis and other non-client lines
    if (!isKeyword(typeForm) || !TYPES.has(typeForm.keyword) || !isKeyword(fForm)) continue;
    const process = processForm;
    const type = typeForm.keyword;
    if (!FUNCTIONS.has(fForm.keyword)) fail(`unsupported operation :${fForm.keyword}`);
    const f = fForm.keyword as Invocation['f'];
    const time = lineNo; // line numbers are the log's real-time order

    if (type === 'invoke') {
      if (pending.has(process))
        fail(`process ${process} invoked while its line ${pending.get(process)!.inv.line} is open`);
      if (done.has(process)) fail(`process ${process} invoked after an :info (a crashed process is done)`);
      const inv: Invocation = { process, f, value: valueForm ?? null, call: time, line: lineNo };
      pending.set(process, { slot: ops.length, inv });
      ops.push(undefined); // filled on completion, keeping invocation order
      continue;
    }

    const open = pending.get(process);
    if (open === undefined) fail(`:${type} for process ${process} with no open invocation`);
    const { slot, inv } = open!;
    if (inv.f !== f) fail(`:${type} :${f} completes :invoke :${inv.f} of line ${inv.line}`);
    pending.delete(process);
    if (type === 'info') {
      done.add(process);
      ops[slot] = makeOp(inv, 'info', null, undefined, fail);
    } else if (type === 'ok') {
      ops[slot] = makeOp(
        inv,
        'ok',
        time,
        f === 'read' ? toRegisterValue(valueForm ?? null, fail) : undefined,
        fail,
      );
    } else {
      ops[slot] = makeOp(inv, 'fail', time, undefined, fail);
    }
  }
  // Invocations never completed: indeterminate.
  for (const { slot, inv } of pending.values()) {
    ops[slot] = makeOp(inv, 'info', null, undefined, (msg) => {
      throw new HistoryFormatError(msg, inv.line, 'jepsen');
    });
  }
  return ops as RegisterOp[];
}

const SIMPLE_LINE = /^(\d+)\t:(\w+)\t:([\w-]+)\t(nil|-?\d+|:[\w-]+|\[(?:nil|-?\d+) (?:nil|-?\d+)\])\s*$/;

/**
 * The forms of one log line after the marker. Lines of the usual shape (`3\t:ok\t:cas\t[1 2]`)
 * take a fast path; anything else goes through the EDN reader.
 */
function readForms(rest: string): EdnValue[] {
  const m = SIMPLE_LINE.exec(rest);
  if (m === null) return readEdnAll(rest);
  const scalar = (token: string): EdnValue =>
    token === 'nil' ? null : token.startsWith(':') ? { keyword: token.slice(1) } : Number(token);
  const value = m[4].startsWith('[') ? m[4].slice(1, -1).split(' ').map(scalar) : scalar(m[4]);
  return [Number(m[1]), { keyword: m[2] }, { keyword: m[3] }, value];
}

function makeOp(
  inv: Invocation,
  outcome: RegisterOp['outcome'],
  ret: number | null,
  read: RegisterValue | undefined,
  fail: (msg: string) => never,
): RegisterOp {
  const base = {
    process: inv.process,
    key: JEPSEN_REGISTER_KEY,
    f: inv.f,
    outcome,
    call: inv.call,
    ret,
    line: inv.line,
  };
  switch (inv.f) {
    case 'read':
      return read === undefined ? base : { ...base, read };
    case 'write':
      return { ...base, value: toRegisterValue(inv.value, fail) };
    case 'cas': {
      const pair = inv.value;
      if (!Array.isArray(pair) || pair.length !== 2)
        fail(`cas needs [expected new], got ${JSON.stringify(pair)}`);
      const [expected, value] = pair as readonly EdnValue[];
      return { ...base, expected: toRegisterValue(expected, fail), value: toRegisterValue(value, fail) };
    }
  }
}

function toRegisterValue(value: EdnValue, fail: (msg: string) => never): RegisterValue {
  if (value === null || typeof value === 'number' || typeof value === 'string') return value;
  if (isKeyword(value)) return `:${value.keyword}`;
  if (typeof value === 'object' && 'symbol' in value) return (value as { symbol: string }).symbol;
  return fail(`unsupported register value ${JSON.stringify(value instanceof Map ? [...value] : value)}`);
}
