// The real worker's compile_one (python/moe_kit_kernels/compile_request.py) with a stand-in
// `triton` module whose compile() raises: which failures it marks not cacheable. Runs on any
// python3, Triton or not (the stand-in replaces it in this process only).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findKernelsDir } from './kernels-dir';

const python = 'python3';
const pythonRuns = spawnSync(python, ['-c', 'pass']).status === 0;

const SCRIPT = `
import json, sys, types
raised = sys.argv[1]
triton = types.ModuleType("triton")
def compile(src, target=None, options=None):
    raise {"OSError": OSError(28, "No space left on device"),
           "FileNotFoundError": FileNotFoundError(2, "No such file or directory", "ptxas"),
           "MemoryError": MemoryError(),
           "RuntimeError": RuntimeError("PassManager::run failed")}[raised]
triton.compile = compile
sys.modules["triton"] = triton
from moe_kit_kernels import compile_request
compile_request.prepare = lambda req, kernels: (None, None, {}, [], {})
print(json.dumps(compile_request.compile_one({"kernel": "moe_sum"}, {})))
`;

function compileOneRaising(raised: string): Record<string, unknown> {
  const r = spawnSync(python, ['-c', SCRIPT, raised], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: findKernelsDir(), PYTHONDONTWRITEBYTECODE: '1' },
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe.skipIf(!pythonRuns)('compile_one: failures of the machine are not cacheable', () => {
  it('marks OSError (full disk, missing ptxas) and MemoryError "cacheable": false', () => {
    for (const raised of ['OSError', 'FileNotFoundError', 'MemoryError']) {
      const result = compileOneRaising(raised);
      expect(result).toMatchObject({ ok: false, kind: 'compile_error', cacheable: false });
      expect(String(result.message)).toContain(`${raised}:`);
    }
  });

  it('leaves a compiler failure (an MLIR pass) cacheable', () => {
    const result = compileOneRaising('RuntimeError');
    expect(result).toMatchObject({ ok: false, kind: 'compile_error' });
    expect(result).not.toHaveProperty('cacheable');
    expect(String(result.message)).toContain('RuntimeError: PassManager::run failed');
  });
});
