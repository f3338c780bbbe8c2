/**
 * A small EDN reader for history lines: nil, booleans, integers, strings, keywords,
 * symbols, vectors/lists and maps. Keywords come back as `{ keyword: 'name' }`, so they
 * cannot be confused with strings; maps with keyword keys come back as Map<string, EdnValue>
 * keyed by the keyword name.
 */
export type EdnValue =
  | null
  | boolean
  | number
  | string
  | EdnKeyword
  | EdnSymbol
  | readonly EdnValue[]
  | ReadonlyMap<string, EdnValue>;

export interface EdnKeyword {
  readonly keyword: string;
}
export interface EdnSymbol {
  readonly symbol: string;
}

export class EdnSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at column ${position + 1}`);
    this.name = 'EdnSyntaxError';
  }
}

export function isKeyword(value: EdnValue | undefined, name?: string): value is EdnKeyword {
  return (
    typeof value === 'object' &&
    value !== null &&
    'keyword' in value &&
    (name === undefined || (value as EdnKeyword).keyword === name)
  );
}

const DELIMITERS = new Set([' ', '\t', '\r', '\n', ',', '[', ']', '(', ')', '{', '}', '"']);

/** Reads every top-level value in `text`. */
export function readEdnAll(text: string): EdnValue[] {
  const reader = new Reader(text);
  const values: EdnValue[] = [];
  for (;;) {
    reader.skipSpace();
    if (reader.atEnd()) return values;
    values.push(reader.value());
  }
}

/** Reads exactly one value (surrounding whitespace allowed). */
export function readEdn(text: string): EdnValue {
  const values = readEdnAll(text);
  if (values.length !== 1) throw new EdnSyntaxError(`expected one value, found ${values.length}`, 0);
  return values[0];
}

class Reader {
  private pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === ',') this.pos++;
      else if (c === ';') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  value(): EdnValue {
    this.skipSpace();
    if (this.atEnd()) throw new EdnSyntaxError('unexpected end of input', this.pos);
    const c = this.text[this.pos];
    switch (c) {
      case '"':
        return this.string();
      case '[':
      case '(':
        return this.sequence(c === '[' ? ']' : ')');
      case '{':
        return this.map();
      case ']':
      case ')':
      case '}':
        throw new EdnSyntaxError(`unexpected '${c}'`, this.pos);
      default:
        return this.atom();
    }
  }

  private string(): string {
    const t = this.text;
    let out = '';
    let i = this.pos + 1;
    for (;;) {
      if (i >= t.length) throw new EdnSyntaxError('unterminated string', this.pos);
      const c = t[i];
      if (c === '"') break;
      if (c === '\\') {
        const e = t[i + 1];
        const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
        if (e === 'u') {
          const hex = t.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new EdnSyntaxError('bad \\u escape', i);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
          continue;
        }
        if (e === undefined || !(e in escapes)) throw new EdnSyntaxError(`bad escape \\${e ?? ''}`, i);
        out += escapes[e];
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
    this.pos = i + 1;
    return out;
  }

  private sequence(close: string): EdnValue[] {
    this.pos++;
    const items: EdnValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) throw new EdnSyntaxError(`missing '${close}'`, this.pos);
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.value());
    }
  }

  private map(): Map<string, EdnValue> {
    const start = this.pos;
    const items = this.sequence('}');
    if (items.length % 2 !== 0) throw new EdnSyntaxError('map with an odd number of forms', start);
    const map = new Map<string, EdnValue>();
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i];
      const name = isKeyword(key) ? key.keyword : typeof key === 'string' ? key : JSON.stringify(key);
      map.set(name, items[i + 1]);
    }
    return map;
  }

  private atom(): EdnValue {
    const t = this.text;
    const start = this.pos;
    while (this.pos < t.length && !DELIMITERS.has(t[this.pos])) this.pos++;
    const token = t.slice(start, this.pos);
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (/^[+-]?\d+N?$/.test(token)) {
      const n = Number(token.replace(/N$/, ''));
      if (!Number.isSafeInteger(n)) throw new EdnSyntaxError(`integer ${token} out of range`, start);
      return n;
    }
    if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?M?$/.test(token)) return Number(token.replace(/M$/, ''));
    if (token.startsWith(':') && token.length > 1) return { keyword: token.slice(1) };
    if (token.length === 0) throw new EdnSyntaxError(`unexpected '${t[start]}'`, start);
    return { symbol: token };
  }
}
