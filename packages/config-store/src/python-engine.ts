import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Engine } from '@moe/engine-facts';
import { EngineNotFoundError } from './errors/engine-not-found-error';

/** An engine installed in a Python environment. */
export interface InstalledEngine {
  engine: Engine;
  /** The interpreter asked. */
  python: string;
  /** The engine package folder (…/site-packages/sglang). */
  packageDir: string;
  /** The folder holding it (…/site-packages). */
  sitePackages: string;
  /** The package version from its metadata, when installed as a distribution. */
  version: string | null;
  /** The installed Triton version (the one SGLang picks its folder by), or null. */
  tritonVersion: string | null;
}

// Finds the package without importing it (importing sglang or vllm takes seconds and needs a GPU stack).
// The Triton version is what SGLang names its folder by, triton.__version__: read from the
// package's __init__.py, since ROCm and nightly builds ship it under other distribution names
// (pytorch-triton-rocm, pytorch-triton); the "triton" distribution's version is the fallback.
const SCRIPT = [
  'import json, re, sys, importlib.util, importlib.metadata as md',
  'name = sys.argv[1]',
  'spec = importlib.util.find_spec(name)',
  'locs = list(spec.submodule_search_locations or []) if spec else []',
  'def ver(n):',
  '    try:',
  '        return md.version(n)',
  '    except Exception:',
  '        return None',
  'def triton_ver():',
  '    try:',
  '        t = importlib.util.find_spec("triton")',
  '        with open(t.origin, encoding="utf-8") as f:',
  '            m = re.search(r"^__version__\\s*=\\s*[\\x27\\x22]([^\\x27\\x22]+)[\\x27\\x22]", f.read(), re.M)',
  '        if m:',
  '            return m.group(1)',
  '    except Exception:',
  '        pass',
  '    return ver("triton")',
  'print(json.dumps({"path": locs[0] if locs else None, "version": ver(name), "triton": triton_ver()}))',
].join('\n');

/**
 * Asks a Python interpreter where `engine` is installed: runs it (with a timeout) to print the
 * package folder, its version and the Triton version. Throws EngineNotFoundError when the
 * interpreter is missing, fails, times out, or has no such package.
 */
export function findInstalledEngine(
  engine: Engine,
  python: string,
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<InstalledEngine> {
  const timeout = options.timeoutMs ?? 30_000;
  if (python.trim() === '') {
    // execFile would throw a bare TypeError (what `--python "$(which python)"` gives with no python on PATH).
    return Promise.reject(
      new EngineNotFoundError('`python` is empty (no interpreter named; `$(which python)` prints nothing when there is none on PATH); pass the python of the environment the engine runs in (e.g. `python` .venv/bin/python)'),
    );
  }
  return new Promise((resolve, reject) => {
    execFile(
      python,
      ['-c', SCRIPT, engine],
      { timeout, maxBuffer: 1024 * 1024, env: options.env ?? process.env, windowsHide: true },
      (err, stdout, stderr) => {
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
          if (e.code === 'ENOENT') {
            reject(new EngineNotFoundError(`\`python\` ${python}: no such interpreter; pass the python of the environment the engine runs in (e.g. \`python\` .venv/bin/python)`));
          } else if (e.killed || e.signal) {
            reject(new EngineNotFoundError(`\`python\` ${python}: did not answer within ${Math.round(timeout / 1000)} s; check the interpreter runs (\`${python} -c "print(1)"\`)`));
          } else {
            const tail = String(stderr).trim().split('\n').slice(-2).join(' ');
            reject(new EngineNotFoundError(`\`python\` ${python}: failed (${tail || e.message}); pass a working Python 3.8+ interpreter`));
          }
          return;
        }
        let info: { path: string | null; version: string | null; triton: string | null };
        try {
          info = JSON.parse(String(stdout).trim().split('\n').pop() ?? '');
        } catch {
          reject(new EngineNotFoundError(`\`python\` ${python}: printed something unexpected; pass a plain CPython interpreter`));
          return;
        }
        if (!info.path) {
          reject(new EngineNotFoundError(`\`python\` ${python}: ${engine} is not installed there; install it (pip install ${engine}) or pass the interpreter of its environment`));
          return;
        }
        resolve({
          engine,
          python,
          packageDir: info.path,
          sitePackages: path.dirname(info.path),
          version: info.version,
          tritonVersion: info.triton,
        });
      },
    );
  });
}
