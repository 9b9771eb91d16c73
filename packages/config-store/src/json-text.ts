/**
 * A JSON reader that keeps what `JSON.parse` throws away and what config files need:
 * member order (JS objects reorder integer-like keys), duplicate keys, the raw text of numbers
 * and the line of every member. It accepts what Python's `json.load` accepts (the engines load
 * files with it), including `NaN`, `Infinity` and `-Infinity`, and refuses deep nesting.
 *
 * `formatPythonJson` writes what Python's `json.dumps(value, indent=4)` writes.
 */

export type JsonNode =
  | { kind: 'object'; members: JsonMember[]; line: number }
  | { kind: 'array'; items: JsonNode[]; line: number }
  | { kind: 'string'; value: string; line: number }
  | { kind: 'number'; raw: string; value: number; integer: boolean; line: number }
  | { kind: 'bool'; value: boolean; line: number }
  | { kind: 'null'; line: number };

export interface JsonMember {
  key: string;
  value: JsonNode;
  line: number;
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} at line ${line}, column ${column}`);
    this.name = 'JsonSyntaxError';
  }
}

/** Nesting deeper than this is refused (config files nest 2 levels). */
export const MAX_JSON_DEPTH = 32;

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): JsonNode {
  let pos = 0;
  let line = 1;
  let lineStart = 0;

  const fail = (reason: string, at = pos): never => {
    throw new JsonSyntaxError(reason, line, at - lineStart + 1);
  };
  const skipWs = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (!WS.has(c)) break;
      if (c === 0x0a) {
        line += 1;
        lineStart = pos + 1;
      }
      pos += 1;
    }
  };

  const parseString = (): string => {
    // text[pos] === '"'
    pos += 1;
    let out = '';
    let chunkStart = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(chunkStart, pos);
        pos += 1;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(chunkStart, pos);
        const e = text[pos + 1];
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = text.slice(pos + 2, pos + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
            out += String.fromCharCode(parseInt(hex, 16));
            pos += 4;
            break;
          }
          default:
            fail('invalid escape');
        }
        pos += 2;
        chunkStart = pos;
        continue;
      }
      pos += 1;
    }
  };

  const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

  const parseValue = (depth: number): JsonNode => {
    if (depth > maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
    skipWs();
    if (pos >= text.length) fail('unexpected end of input');
    const valueLine = line;
    const c = text[pos];
    if (c === '{') {
      pos += 1;
      const members: JsonMember[] = [];
      skipWs();
      if (text[pos] === '}') {
        pos += 1;
        return { kind: 'object', members, line: valueLine };
      }
      for (;;) {
        skipWs();
        if (text[pos] !== '"') fail('expected a string key');
        const keyLine = line;
        const key = parseString();
        skipWs();
        if (text[pos] !== ':') fail("expected ':'");
        pos += 1;
        const value = parseValue(depth + 1);
        members.push({ key, value, line: keyLine });
        skipWs();
        if (text[pos] === ',') {
          pos += 1;
          continue;
        }
        if (text[pos] === '}') {
          pos += 1;
          return { kind: 'object', members, line: valueLine };
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos += 1;
      const items: JsonNode[] = [];
      skipWs();
      if (text[pos] === ']') {
        pos += 1;
        return { kind: 'array', items, line: valueLine };
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        skipWs();
        if (text[pos] === ',') {
          pos += 1;
          continue;
        }
        if (text[pos] === ']') {
          pos += 1;
          return { kind: 'array', items, line: valueLine };
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { kind: 'string', value: parseString(), line: valueLine };
    if (text.startsWith('true', pos)) {
      pos += 4;
      return { kind: 'bool', value: true, line: valueLine };
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return { kind: 'bool', value: false, line: valueLine };
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return { kind: 'null', line: valueLine };
    }
    // Python's json module also reads these three.
    for (const [word, value] of [
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return { kind: 'number', raw: word, value, integer: false, line: valueLine };
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m && m[0].length > 0 && m[0] !== '-') {
      pos += m[0].length;
      const integer = m[1] === undefined && m[2] === undefined;
      return { kind: 'number', raw: m[0], value: Number(m[0]), integer, line: valueLine };
    }
    return fail('unexpected character');
  };

  if (text.charCodeAt(0) === 0xfeff) fail('byte order mark (BOM) before the JSON text', 0);
  const root = parseValue(1);
  skipWs();
  if (pos < text.length) fail('extra data after the JSON value');
  return root;
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form outside 1e-4 <= |x| < 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let body: string;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const intPart = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits.padEnd(exp + 1, '0');
      const frac = digits.length > exp + 1 ? digits.slice(exp + 1) : '0';
      body = `${intPart}.${frac}`;
    } else {
      body = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
  } else {
    body = expForm(digits, exp);
  }
  return neg ? `-${body}` : body;
}

function expForm(digits: string, exp: number): string {
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const sign = exp < 0 ? '-' : '+';
  const e = String(Math.abs(exp)).padStart(2, '0');
  return `${m}e${sign}${e}`;
}

/** Python's `json.dumps` string encoding with the default `ensure_ascii=True`. */
export function pythonJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    const ch = s[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A value to write: plain JSON, with objects as ordered member lists. */
export type JsonOut =
  | { kind: 'object'; members: [string, JsonOut][] }
  | { kind: 'array'; items: JsonOut[] }
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number | bigint }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' };

/** Converts a parsed node back to an output value (numbers as Python would re-emit them). */
export function nodeToOut(node: JsonNode): JsonOut {
  switch (node.kind) {
    case 'object':
      return { kind: 'object', members: node.members.map((m) => [m.key, nodeToOut(m.value)]) };
    case 'array':
      return { kind: 'array', items: node.items.map(nodeToOut) };
    case 'string':
      return { kind: 'string', value: node.value };
    case 'number':
      return node.integer ? { kind: 'int', value: BigInt(node.raw) } : { kind: 'float', value: node.value };
    case 'bool':
      return { kind: 'bool', value: node.value };
    case 'null':
      return { kind: 'null' };
  }
}

/** `json.dumps(value, indent=indent)` as Python writes it (no trailing newline). */
export function formatPythonJson(value: JsonOut, indent = 4, level = 0): string {
  const pad = (n: number) => ' '.repeat(indent * n);
  switch (value.kind) {
    case 'object': {
      if (value.members.length === 0) return '{}';
      const inner = value.members.map(
        ([k, v]) => `${pad(level + 1)}${pythonJsonString(k)}: ${formatPythonJson(v, indent, level + 1)}`,
      );
      return `{\n${inner.join(',\n')}\n${pad(level)}}`;
    }
    case 'array': {
      if (value.items.length === 0) return '[]';
      const inner = value.items.map((v) => `${pad(level + 1)}${formatPythonJson(v, indent, level + 1)}`);
      return `[\n${inner.join(',\n')}\n${pad(level)}]`;
    }
    case 'string':
      return pythonJsonString(value.value);
    case 'int':
      return String(value.value);
    case 'float':
      return pythonFloatRepr(value.value);
    case 'bool':
      return value.value ? 'true' : 'false';
    case 'null':
      return 'null';
  }
}
