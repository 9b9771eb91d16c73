import { describe, expect, it } from 'vitest';
import { formatPythonJson, JsonSyntaxError, nodeToOut, parseJsonText, pythonFloatRepr, pythonJsonString } from './json-text';

describe('JSON reader', () => {
  it('keeps member order (integer-like keys too), duplicates and raw numbers', () => {
    const root = parseJsonText('{"64": 1, "16": 2.50, "16": -0, "a": [true, null, "x"]}');
    expect(root.kind).toBe('object');
    if (root.kind !== 'object') return;
    expect(root.members.map((m) => m.key)).toEqual(['64', '16', '16', 'a']);
    expect(root.members[1]?.value).toMatchObject({ kind: 'number', raw: '2.50', integer: false });
    expect(root.members[2]?.value).toMatchObject({ kind: 'number', raw: '-0', integer: true });
  });

  it('accepts what Python accepts (NaN, Infinity) and rejects what it rejects', () => {
    expect(parseJsonText('[NaN, Infinity, -Infinity]').kind).toBe('array');
    for (const bad of ['{"a": 1,}', '[01]', "{'a': 1}", '{"a": 1} x', '\ufeff{}', '{"a": "\u0001"}', '[-]', '']) {
      expect(() => parseJsonText(bad), JSON.stringify(bad)).toThrow(JsonSyntaxError);
    }
  });

  it('reports line and column', () => {
    expect(() => parseJsonText('{\n  "a": 1,\n  "b" 2\n}')).toThrow(/expected ':' at line 3, column 7/);
  });
});

describe('Python json.dumps output', () => {
  it('writes floats as repr() does', () => {
    // Values and expected strings as CPython prints them.
    const cases: [number, string][] = [
      [1.5, '1.5'],
      [100, '100.0'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1e16, '1e+16'],
      [123456789012345.6, '123456789012345.6'],
      [1e22, '1e+22'],
      [-2.5e-7, '-2.5e-07'],
      [0.1 + 0.2, '0.30000000000000004'],
    ];
    for (const [v, s] of cases) expect(pythonFloatRepr(v), String(v)).toBe(s);
  });

  it('escapes strings with ensure_ascii', () => {
    expect(pythonJsonString('é"\\\n')).toBe('"\\u00e9\\"\\\\\\n"');
    expect(pythonJsonString('😀')).toBe('"\\ud83d\\ude00"');
  });

  it('indents like indent=4, with empty containers inline', () => {
    const out = formatPythonJson(nodeToOut(parseJsonText('{"a": {}, "b": [1, 2.0], "c": []}')));
    expect(out).toBe('{\n    "a": {},\n    "b": [\n        1,\n        2.0\n    ],\n    "c": []\n}');
  });
});
