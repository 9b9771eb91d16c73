import { spawn } from 'node:child_process';
import path from 'node:path';
import { findKernelsDir, KERNELS_PACKAGE } from '../compile/kernels-dir';
import { parseEngineInfo, type EngineKernelInfo } from './engine-info';

/** What `probeEngineKernel` found: the engine kernel's info, or why there is none. */
export type EngineKernelProbe = { readonly ok: true; readonly info: EngineKernelInfo } | { readonly ok: false; readonly reason: string };

/**
 * Asks `python` which engine's fused-MoE kernel it has (`python -m moe_kit_kernels.engine`): the
 * engine, version, kernel module path and source hash, without a GPU and without compiling. Never
 * throws: a missing interpreter, a missing engine or a broken import is a reason.
 */
export function probeEngineKernel(options: { python?: string; engine?: 'auto' | 'sglang' | 'vllm'; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<EngineKernelProbe> {
  const python = options.python ?? process.env.MOE_PYTHON ?? 'python3';
  let kernelsDir: string;
  try {
    kernelsDir = findKernelsDir();
  } catch (e) {
    return Promise.resolve({ ok: false, reason: (e as Error).message });
  }
  const env = { ...process.env, ...options.env };
  env.PYTHONPATH = [kernelsDir, env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  return new Promise((resolve) => {
    const child = spawn(python, ['-m', `${KERNELS_PACKAGE}.engine`, options.engine ?? 'auto'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-2000)));
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `could not start '${python}' (${e.code ?? e.message}); pass --python <the engine environment's python>` });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        resolve({ ok: false, reason: `'${python} -m ${KERNELS_PACKAGE}.engine' ${signal ? `was killed by ${signal}` : `exited with status ${code}`} without an answer${err.trim() ? `: ${err.trim().split('\n').pop()}` : ''}` });
        return;
      }
      const info = parseEngineInfo(raw);
      if (info) resolve({ ok: true, info });
      else resolve({ ok: false, reason: String((raw as { error?: unknown }).error ?? `unexpected answer ${line.slice(0, 200)}`) });
    });
  });
}
