import { gpuInfoForDriverName } from '@moe/config-store';
import { describe, expect, it } from 'vitest';
import { tileConfigKey } from '@moe/engine-facts';
import { engineGrid } from '@moe/engine-facts';
import { buildSearchSpace } from './search-space';
import { referenceTable } from './__fixtures__/reference';

const HOPPER = gpuInfoForDriverName('NVIDIA H200')!;
const AMPERE = gpuInfoForDriverName('NVIDIA A100-SXM4-80GB')!;
const ADA = gpuInfoForDriverName('NVIDIA L40S')!;

describe('engineGrid', () => {
  it('is the 1,920 configs of the engines in their order (the recorded table lists them so)', () => {
    const grid = engineGrid();
    expect(grid).toHaveLength(5 * 4 * 3 * 4 * 2 * 4);
    expect(grid.map(tileConfigKey)).toEqual(referenceTable().space.map(tileConfigKey));
  });
});

describe('buildSearchSpace', () => {
  it('keeps everything without a GPU or quantization', () => {
    const space = buildSearchSpace();
    expect(space.candidates).toHaveLength(1920);
    expect(space.pruned).toEqual([]);
  });

  it('keeps BLOCK_SIZE_K a divisor of the 128 block for block fp8 [128, 128], in both engines', () => {
    for (const engine of ['sglang', 'vllm'] as const) {
      const space = buildSearchSpace(engineGrid(), { dtype: 'fp8_w8a8', blockShape: [128, 128], engine });
      // BLOCK_SIZE_K 64 or 128 (one scale per K step: 256 would straddle two blocks): 2 of 3 values.
      expect(space.candidates).toHaveLength(1280);
      expect(new Set(space.candidates.map((c) => c.BLOCK_SIZE_K))).toEqual(new Set([64, 128]));
      expect(new Set(space.candidates.map((c) => c.BLOCK_SIZE_N))).toEqual(new Set([32, 64, 128, 256]));
      expect(space.pruned).toHaveLength(640);
      expect(space.pruned.every((p) => p.reason === 'block-quant' && p.config.BLOCK_SIZE_K === 256)).toBe(true);
    }
    // A [128, 64] block keeps only BLOCK_SIZE_K 64: 1 of 3.
    expect(buildSearchSpace(engineGrid(), { dtype: 'fp8_w8a8', blockShape: [128, 64] }).candidates).toHaveLength(640);
  });

  it('on the recorded table drops no config that compiled and most that ran out of shared memory', () => {
    const table = referenceTable();
    const space = buildSearchSpace(table.space, { gpu: HOPPER });
    const index = new Map(table.space.map((c, i) => [tileConfigKey(c), i]));
    const prunedIdx = space.pruned.map((p) => index.get(tileConfigKey(p.config))!);
    expect(prunedIdx.filter((i) => !table.failed.has(i))).toEqual([]);
    const oor = [...table.failed].filter(([, r]) => r.startsWith('OutOfResources')).map(([i]) => i);
    const dropped = oor.filter((i) => prunedIdx.includes(i));
    expect(dropped.length).toBeGreaterThanOrEqual(Math.ceil(0.9 * oor.length));
    expect(space.pruned.every((p) => p.reason === 'shared-memory' && p.sharedMemoryBytes! > 232_448)).toBe(true);
  });

  it('prunes more on GPUs with less shared memory', () => {
    const hopper = buildSearchSpace(engineGrid(), { gpu: HOPPER }).candidates.length;
    const ampere = buildSearchSpace(engineGrid(), { gpu: AMPERE }).candidates.length;
    const ada = buildSearchSpace(engineGrid(), { gpu: ADA }).candidates.length;
    // 99 KB (Ada) holds fewer configs than 163 KB (Ampere, stages - 1 buffers) or 227 KB (Hopper).
    expect(ada).toBeLessThan(ampere);
    expect(ada).toBeLessThan(hopper);
  });
});

describe('gpuInfoForDriverName (the GPU the tuner prunes for)', () => {
  it('maps driver names to limits, and unknown GPUs to none', () => {
    expect(gpuInfoForDriverName('NVIDIA H100 80GB HBM3')).toBe(HOPPER);
    expect(HOPPER.sharedMemoryPerBlock).toBe(232_448);
    expect(AMPERE.sharedMemoryPerBlock).toBe(166_912);
    expect(ADA.sharedMemoryPerBlock).toBe(101_376);
    expect(gpuInfoForDriverName('Some Future GPU')).toBeNull();
    // An unknown GPU prunes nothing.
    expect(buildSearchSpace(engineGrid(), { gpu: gpuInfoForDriverName('Some Future GPU') }).pruned).toEqual([]);
  });
});
