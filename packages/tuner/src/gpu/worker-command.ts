import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkerCommand } from './measure-worker-client';

/**
 * The command that starts a GPU measure worker: this Node running @moe/tuner's
 * dist/measure-worker.js (the `--device <index>` argument is added per GPU), or, when the
 * environment sets MOE_TUNE_WORKER, that JavaScript file instead (tests run the fake worker so:
 * `MOE_TUNE_WORKER=.../fake-measure-worker.mjs`).
 */
export function measureWorkerCommand(env: NodeJS.ProcessEnv = process.env): WorkerCommand {
  // The worker runs in the command's environment (CUDA_VISIBLE_DEVICES, MOE_PYTHON, PATH, ...).
  const workerEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  // The addon's GPU calls (replays, synchronisations) and the compile cache's file reads share
  // libuv's thread pool (4 threads by default). A precaution, not a measured gain: the slow first
  // measurements it was tried against on the H200 were compiles (packages/tuner/PERF.md).
  workerEnv.UV_THREADPOOL_SIZE ??= '16';
  const override = env.MOE_TUNE_WORKER;
  // MOE_TUNE_WORKER_NODE_ARGS: Node flags for the workers, e.g. "--cpu-prof --cpu-prof-dir=<dir>" to profile them.
  const nodeArgs = (env.MOE_TUNE_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return { command: process.execPath, args: [...nodeArgs, override || defaultWorkerFile()], env: workerEnv };
}

/** dist/measure-worker.js beside the built library (the tsup entry of gpu/measure-worker-main.ts). */
export function defaultWorkerFile(): string {
  const here = fileURLToPath(new URL('./measure-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  // Running from source (tests, tsx): the package's built worker.
  return fileURLToPath(new URL('../../dist/measure-worker.js', import.meta.url));
}
