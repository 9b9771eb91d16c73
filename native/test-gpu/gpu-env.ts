// Shared set-up of the GPU tests and the perf script: one context on device 0 and one compile
// pool (cache in MOE_CACHE_DIR, else a folder under the OS temp dir).
import os from 'node:os';
import path from 'node:path';
import { openContext, probeDevices } from '../src/addon';
import type { Context } from '../src/addon';
import { CompilePool } from '../src/compile';

export interface GpuEnv {
  readonly ctx: Context;
  readonly pool: CompilePool;
  readonly cacheDir: string;
  close(): Promise<void>;
}

let current: Promise<GpuEnv> | null = null;

export function defaultTestCacheDir(): string {
  return process.env.MOE_CACHE_DIR ?? path.join(os.tmpdir(), 'moe-kit-gpu-tests-cache');
}

/** Opens (once per process) the context and the compile pool. */
export function gpuEnv(options: { cacheDir?: string | null; workers?: number } = {}): Promise<GpuEnv> {
  if (!current) {
    current = (async () => {
      const probe = probeDevices();
      if (probe.devices.length === 0) throw new Error(`no GPU: ${probe.reason ?? 'unknown reason'}; run the GPU tests on a machine with a GPU`);
      const ctx = openContext(0);
      const cacheDir = options.cacheDir === undefined ? defaultTestCacheDir() : options.cacheDir;
      const pool = await CompilePool.start({
        cacheDir,
        maxSharedBytes: ctx.device.sharedMemoryPerBlockOptin,
        ...(options.workers ? { workers: options.workers } : {}),
      });
      return {
        ctx,
        pool,
        cacheDir: cacheDir ?? '(none)',
        async close() {
          await pool.close();
          ctx.close();
          current = null;
        },
      };
    })();
  }
  return current;
}
