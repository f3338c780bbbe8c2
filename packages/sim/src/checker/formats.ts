import { readFile } from 'node:fs/promises';
import { type CheckOptions, checkOperations } from './check.js';
import { HistoryFormatError } from './errors.js';
import { parseJepsenLog } from './jepsen-parser.js';
import { createKvModel, kvModel, kvOperations } from './kv-model.js';
import { parsePorcupineKvLog } from './porcupine-kv-parser.js';
import { parseRaftkitHistory } from './raftkit-format.js';
import { registerModel, registerOperations } from './register-model.js';
import type { CheckResult } from './result.js';

export type HistoryFormat = 'jepsen' | 'porcupine-kv' | 'raftkit';
export const HISTORY_FORMATS: readonly HistoryFormat[] = ['jepsen', 'porcupine-kv', 'raftkit'];

/** Porcupine's KV semantics: a missing key reads as "". */
export const porcupineKvModel = createKvModel({ initialValue: '' });

/** Guesses the format from the first meaningful line; throws HistoryFormatError when it cannot. */
export function detectFormat(text: string): HistoryFormat {
  for (const raw of text.split('\n', 200)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.includes('jepsen.util - ')) return 'jepsen';
    if (line.startsWith('{:') || /^\{\s*:process\b/.test(line)) return 'porcupine-kv';
    if (line.startsWith('[') || line.startsWith('{"') || line.startsWith('{ "')) return 'raftkit';
  }
  if (text.trim() === '') throw new HistoryFormatError('empty history file: nothing to check');
  throw new HistoryFormatError('cannot tell the history format; pass --format jepsen|porcupine-kv|raftkit');
}

export interface HistoryCheckOptions extends CheckOptions {
  /** Default: detected from the text. */
  readonly format?: HistoryFormat;
}

export interface HistoryCheck {
  readonly format: HistoryFormat;
  readonly result: CheckResult;
}

/** Parses a history in any supported format and checks it with that format's model. */
export function checkHistoryText(text: string, options: HistoryCheckOptions = {}): HistoryCheck {
  if (text.trim() === '') throw new HistoryFormatError('empty history file: nothing to check');
  const format = options.format ?? detectFormat(text);
  switch (format) {
    case 'jepsen': {
      const ops = parseJepsenLog(text);
      if (ops.length === 0) throw new HistoryFormatError('no client operations found', undefined, format);
      return { format, result: checkOperations(registerModel, registerOperations(ops), options) };
    }
    case 'porcupine-kv': {
      const ops = parsePorcupineKvLog(text);
      if (ops.length === 0) throw new HistoryFormatError('no operations found', undefined, format);
      return { format, result: checkOperations(porcupineKvModel, kvOperations(ops), options) };
    }
    case 'raftkit':
      return { format, result: checkOperations(kvModel, kvOperations(parseRaftkitHistory(text)), options) };
    default:
      throw new HistoryFormatError(`unknown format ${String(format)}`);
  }
}

export async function checkHistoryFile(
  path: string,
  options: HistoryCheckOptions = {},
): Promise<HistoryCheck> {
  return checkHistoryText(await readFile(path, 'utf8'), options);
}
