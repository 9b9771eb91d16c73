// Helpers for the tests of `moe tune`'s host side: the fake worker's command and a small unit.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildSearchSpace } from '../../search-space';
import { gpuInfoForDriverName } from '@moe/config-store';
import type { WorkerCommand } from '../measure-worker-client';
import type { TuneUnit } from '../gpu-tune';

export const FAKE_WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-measure-worker.mjs');

/** The fake worker, run by this Node, with extra environment (MOE_FAKE_*). */
export function fakeWorker(env: Record<string, string> = {}): WorkerCommand {
  return { command: process.execPath, args: [FAKE_WORKER], env };
}

/** LFM2-8B-A1B at TP1 (E=32, N=1792, K=2048, top-4, bf16) at a few batch sizes, for SGLang and vLLM. */
export function lfm2Unit(batchSizes: number[] = [1, 64, 1024], engines: ('sglang' | 'vllm')[] = ['sglang']): TuneUnit {
  const candidates = buildSearchSpace(undefined, { gpu: gpuInfoForDriverName('NVIDIA H200') }).candidates;
  return {
    id: 'E=32,N=1792,K=2048,topk=4,bf16',
    shape: { E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16', blockShape: null },
    batchSizes,
    targets: engines.map((engine) => ({ engine, tp: 1, ep: 1, key: { E: 32, N: 1792, dtype: null, blockShape: null, perChannelQuant: false } })),
    defaults: { sglang: { e: 32, dtype: null, topk: 4 }, vllm: { e: 32, dtype: null, topk: 4 } },
    candidates,
  };
}
