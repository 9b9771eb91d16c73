// The estimate lives in @moe/config-store (one home for MoE Kit's shared-memory facts); these
// tests pin it to what the tuner prunes with, and to the recorded H200 table it was fitted on.
import { elementBytes, estimateSharedMemory, gpuInfoForDriverName, type ElementBytes, type GpuInfo } from '@moe/config-store';
import { describe, expect, it } from 'vitest';
import type { TileConfig } from '@moe/engine-facts';
import { referenceTable } from './__fixtures__/reference';

const bf16 = elementBytes('bf16')!;
const HOPPER = gpuInfoForDriverName('NVIDIA H200')!;
const AMPERE = gpuInfoForDriverName('NVIDIA A100-SXM4-80GB')!;
const estimate = (config: TileConfig, gpu: GpuInfo, bytes: ElementBytes) => estimateSharedMemory(config, { gpu, bytes });
const cfg = (m: number, n: number, k: number, stages: number, warps = 4, group = 1): TileConfig => ({
  BLOCK_SIZE_M: m,
  BLOCK_SIZE_N: n,
  BLOCK_SIZE_K: k,
  GROUP_SIZE_M: group,
  num_warps: warps,
  num_stages: stages,
});

describe('estimateSharedMemory', () => {
  it('counts stages - 1 tile buffers below BLOCK_M 64 and all stages from 64 up on Hopper', () => {
    // Worked by hand: (16x256 + 256x128) x 2 B = 73,728 B a buffer; 5 stages -> 4 buffers.
    expect(estimate(cfg(16, 128, 256, 5), HOPPER, bf16)).toBe(294_912);
    // (64x256 + 256x256) x 2 B = 163,840 B a buffer; wgmma keeps both stages.
    expect(estimate(cfg(64, 256, 256, 2), HOPPER, bf16)).toBe(327_680);
    // Ampere has no wgmma: (128x64 + 64x128) x 2 B x 3 buffers for 4 stages.
    expect(estimate(cfg(128, 128, 64, 4), AMPERE, bf16)).toBe(98_304);
    // fp8 operands are one byte: (128x128 + 128x128) x 1 B x 3 stages.
    expect(estimate(cfg(128, 128, 128, 3), HOPPER, elementBytes('fp8_w8a8')!)).toBe(98_304);
  });

  it('never goes below the output tile the epilogue converts through shared memory', () => {
    // 256x256 bf16 output tile = 131,072 B; one 16x16 tile buffer is far less.
    expect(estimate(cfg(256, 256, 16, 2), AMPERE, bf16)).toBe(131_072);
  });

  describe('on the recorded H200 table (Triton 3.6.0)', () => {
    const table = referenceTable();
    const gpu = gpuInfoForDriverName(table.card!)!;
    const limit = gpu.sharedMemoryPerBlock!;
    const outOfResources = [...table.failed].filter(([, reason]) => reason.startsWith('OutOfResources'));
    const compiled = table.space.map((_, i) => i).filter((i) => !table.failed.has(i));

    it('knows the card', () => {
      expect(gpu).toBe(HOPPER);
      expect(gpu.arch).toBe('sm_90');
      expect(gpu.wgmmaMinBlockM).toBe(64);
      expect(limit).toBe(232_448);
    });

    it('predicts at least 90% of the 588 OutOfResources failures (all of them, to the byte)', () => {
      expect(outOfResources).toHaveLength(588);
      const over = outOfResources.filter(([i]) => estimate(table.space[i]!, gpu, bf16) > limit);
      expect(over.length / outOfResources.length).toBeGreaterThanOrEqual(0.9);
      const exact = outOfResources.filter(([i, reason]) => {
        const required = Number(/Required: (\d+)/.exec(reason)?.[1]);
        return estimate(table.space[i]!, gpu, bf16) === required;
      });
      expect(exact).toHaveLength(588);
    });

    it('rules out no config that compiled', () => {
      expect(compiled).toHaveLength(1920 - 636);
      const wronglyPruned = compiled.filter((i) => estimate(table.space[i]!, gpu, bf16) > limit);
      expect(wronglyPruned).toEqual([]);
    });
  });
});
