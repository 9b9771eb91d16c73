import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNEL_NAMES, KERNEL_SIGNATURES } from './kernel-signatures';
import { findKernelsDir } from './kernels-dir';

/** name -> [param, isConstexpr][] for every @triton.jit def in the kernels' Python files. */
function pythonSignatures(): Map<string, Array<[string, boolean]>> {
  const root = path.join(findKernelsDir(), 'moe_kit_kernels');
  const out = new Map<string, Array<[string, boolean]>>();
  for (const file of readdirSync(root).filter((f) => f.endsWith('.py'))) {
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const m of text.matchAll(/@triton\.jit\s*\ndef\s+(\w+)\s*\(([\s\S]*?)\)\s*:/g)) {
      const params = m[2]!
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
        .map((p): [string, boolean] => [p.split(':')[0]!.trim(), /tl\.constexpr/.test(p)]);
      out.set(m[1]!, params);
    }
  }
  return out;
}

describe('KERNEL_SIGNATURES', () => {
  it('matches the parameter order and constexpr marks of the Python kernels', () => {
    const py = pythonSignatures();
    for (const name of KERNEL_NAMES) {
      expect(py.has(name), `${name} in moe_kit_kernels`).toBe(true);
      const ts = KERNEL_SIGNATURES[name].map((p): [string, boolean] => [p.name, p.type === 'constexpr']);
      expect(ts, name).toEqual(py.get(name));
    }
  });

  it('lists every kernel the worker registry registers', () => {
    const registry = readFileSync(path.join(findKernelsDir(), 'moe_kit_kernels', 'registry.py'), 'utf8');
    const registered = [...registry.matchAll(/^ {4}"(\w+)": KernelEntry\(/gm)].map((m) => m[1]).sort();
    expect(registered).toEqual([...KERNEL_NAMES].sort());
  });
});
