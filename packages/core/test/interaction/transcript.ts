/**
 * The transcript file format of the interaction tests (after etcd's datadriven
 * `testdata/*.txt`): a command line, a `----` line, then the output the command
 * is expected to print, up to the next blank line or the end of the file.
 * Lines starting with `#` and blank lines between commands are the reader's.
 *
 *     # 1 campaigns
 *     campaign 1
 *     ----
 *     ok
 *
 * A command line is a name, then arguments: plain words (`1`, `hello`), or
 * `key=value` / `key=(a,b,c)`. Running a transcript yields the same file with
 * every output block replaced by what the commands printed now: equal text
 * means nothing changed; the rewrite mode writes it back.
 */

export interface Command {
  readonly name: string;
  /** Plain words, in order. */
  readonly args: readonly string[];
  /** `key=value` arguments; a `(a,b)` value is a list. */
  readonly kv: ReadonlyMap<string, string | readonly string[]>;
  /** `file:line` of the command, for error messages. */
  readonly where: string;
}

/** A command line that cannot be read, or a file that breaks the format. */
export class TranscriptError extends Error {}

const SEPARATOR = '----';

export function parseCommand(line: string, where: string): Command {
  const tokens = tokenize(line, where);
  const [name, ...rest] = tokens;
  if (!name) throw new TranscriptError(`${where}: empty command line`);
  const args: string[] = [];
  const kv = new Map<string, string | readonly string[]>();
  for (const t of rest) {
    const eq = t.indexOf('=');
    if (eq <= 0) {
      args.push(t);
      continue;
    }
    const key = t.slice(0, eq);
    const value = t.slice(eq + 1);
    if (kv.has(key)) throw new TranscriptError(`${where}: argument ${key} given twice`);
    kv.set(key, value.startsWith('(') && value.endsWith(')') ? splitList(value) : value);
  }
  return { name, args, kv, where };
}

/** Splits on spaces outside parentheses, so `voters=(1, 2)` stays one token. */
function tokenize(line: string, where: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of line.trim()) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw new TranscriptError(`${where}: unbalanced ')' in "${line}"`);
    if (ch === ' ' && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) throw new TranscriptError(`${where}: unbalanced '(' in "${line}"`);
  if (cur) out.push(cur);
  return out;
}

/** `(a, b)` -> ['a', 'b']. */
export function splitList(value: string): string[] {
  return value
    .slice(1, -1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Runs every command of `text` through `run` (which returns the lines the
 * command printed) and returns the text with each output block replaced by
 * them. An empty output prints as `ok`: a block never ends by accident.
 */
export function runTranscript(text: string, file: string, run: (cmd: Command) => readonly string[]): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) {
      out.push(line);
      i++;
      continue;
    }
    const where = `${file}:${i + 1}`;
    if (lines[i + 1] !== SEPARATOR) {
      throw new TranscriptError(`${where}: command "${line}" must be followed by a "${SEPARATOR}" line`);
    }
    const printed = run(parseCommand(line, where));
    for (const p of printed) {
      if (p.trim() === '' || p.includes('\n')) {
        throw new TranscriptError(`${where}: "${line}" printed a blank or multi-line line`);
      }
    }
    out.push(line, SEPARATOR, ...(printed.length > 0 ? printed : ['ok']));
    i += 2;
    while (i < lines.length && lines[i]!.trim() !== '') i++; // the old output block
  }
  return out.join('\n');
}
