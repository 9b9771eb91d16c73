import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelsNotFoundError } from './errors/kernels-not-found-error';

/** The Python package name of the kernels and the worker. */
export const KERNELS_PACKAGE = 'moe_kit_kernels';

function holdsKernels(dir: string): boolean {
  return existsSync(path.join(dir, KERNELS_PACKAGE, 'worker.py'));
}

/**
 * The folder to put on PYTHONPATH: it holds moe_kit_kernels/. Looks at `explicit`, then
 * MOE_KERNELS_DIR, then a `python/` folder in this module's folder or any folder above it
 * (native/src/compile -> native/python; native/dist -> native/python).
 */
export function findKernelsDir(explicit?: string): string {
  const tried: string[] = [];
  for (const candidate of [explicit, process.env.MOE_KERNELS_DIR]) {
    if (!candidate) continue;
    const dir = path.resolve(candidate);
    if (holdsKernels(dir)) return dir;
    tried.push(dir);
  }
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'python');
    if (holdsKernels(candidate)) return candidate;
    tried.push(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new KernelsNotFoundError(
    `kernels: no ${KERNELS_PACKAGE}/worker.py in ${tried.join(', ')}; reinstall @moe/native (its python/ folder ships the kernels) or pass kernelsDir / set MOE_KERNELS_DIR to the folder that holds ${KERNELS_PACKAGE}/`,
  );
}

function pythonFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '__pycache__') continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...pythonFiles(path.join(dir, entry.name), rel));
    else if (entry.isFile() && entry.name.endsWith('.py')) out.push(rel);
  }
  return out;
}

/**
 * sha256 over every .py file of moe_kit_kernels (relative path and bytes, in path order): a
 * change to any kernel, the registry or the worker changes every cache key.
 */
export function kernelSourceHash(kernelsDir: string): string {
  const root = path.join(kernelsDir, KERNELS_PACKAGE);
  const hash = createHash('sha256');
  for (const rel of pythonFiles(root).sort()) {
    const bytes = readFileSync(path.join(root, rel));
    hash.update(`${rel}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}
