import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { CompilePool } from './compile-pool';
import { PythonNotFoundError } from './errors/python-not-found-error';
import { TritonUnavailableError } from './errors/triton-unavailable-error';
import { WorkerStartError } from './errors/worker-start-error';
import { findKernelsDir } from './kernels-dir';

// CI's python3 has no Triton: these tests hold the real worker to the protocol there. On a
// machine whose python3 has Triton they are skipped (the GPU-host self-test covers that side).
const python = 'python3';
const pythonRuns = spawnSync(python, ['-c', 'pass']).status === 0;
const hasTriton = pythonRuns && spawnSync(python, ['-c', 'import triton']).status === 0;
const kernelsDir = findKernelsDir();

describe.skipIf(!pythonRuns || hasTriton)('the real worker under a python without triton', () => {
  it('says hello with triton null and the reason and fix, answers compile with a failure, exits on shutdown', async () => {
    const child = spawn(python, ['-u', '-m', 'moe_kit_kernels.worker'], {
      env: { ...process.env, PYTHONPATH: kernelsDir, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: child.stdout });
    const received: Array<Record<string, unknown>> = [];
    const next = () =>
      new Promise<Record<string, unknown>>((resolve) => {
        lines.once('line', (line) => {
          const msg = JSON.parse(line) as Record<string, unknown>;
          received.push(msg);
          resolve(msg);
        });
      });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const hello = await next();
    expect(hello).toMatchObject({ type: 'hello', protocol: 1, triton: null, kernels: [] });
    expect(typeof hello.python).toBe('string');
    expect(hello.error).toMatch(/^triton not importable: .*No module named 'triton'.*; install triton in the interpreter given by MOE_PYTHON or --python/);

    child.stdin.write(`${JSON.stringify({ type: 'compile', id: 'a1', kernel: 'moe_sum' })}\n`);
    const result = await next();
    expect(result).toMatchObject({ type: 'result', id: 'a1', ok: false, kind: 'compile_error' });
    expect(String(result.message)).toContain('triton not importable');

    child.stdin.write('{"type":"shutdown"}\n');
    expect(await exited).toBe(0);
    // Nothing but protocol lines on stdout.
    expect(received.map((m) => m.type)).toEqual(['hello', 'result']);
  });

  it('the pool turns it into TritonUnavailableError naming the fix', async () => {
    const start = CompilePool.start({ python, cacheDir: null, workers: 2 });
    await expect(start).rejects.toBeInstanceOf(TritonUnavailableError);
    await expect(start).rejects.toMatchObject({ code: 'MOE_TRITON_UNAVAILABLE' });
    await expect(start).rejects.toThrow(/install triton in the interpreter given by MOE_PYTHON or --python/);
  });
});

describe('starting the pool with an interpreter that is not there or not Python', () => {
  it('a missing interpreter is PythonNotFoundError naming it and MOE_PYTHON', async () => {
    const start = CompilePool.start({ python: '/nonexistent/python3.99', cacheDir: null });
    await expect(start).rejects.toBeInstanceOf(PythonNotFoundError);
    await expect(start).rejects.toThrow(/\/nonexistent\/python3\.99.*MOE_PYTHON/);
  });

  it('MOE_PYTHON is used when options.python is absent', async () => {
    const saved = process.env.MOE_PYTHON;
    process.env.MOE_PYTHON = '/nonexistent/from-env-python';
    try {
      await expect(CompilePool.start({ cacheDir: null })).rejects.toThrow(/from-env-python/);
    } finally {
      if (saved === undefined) delete process.env.MOE_PYTHON;
      else process.env.MOE_PYTHON = saved;
    }
  });

  it('a program that exits without a hello is WorkerStartError', async () => {
    await expect(CompilePool.start({ python: 'false', cacheDir: null })).rejects.toBeInstanceOf(WorkerStartError);
  });
});
