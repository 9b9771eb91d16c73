import { describe, expect, it } from 'vitest';
import type { TileConfig } from '@moe/engine-facts';
import { launchSpecialisation } from './gpu-tune';

const lfm2 = { E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16', blockShape: null } as const;
const bm = (BLOCK_SIZE_M: number): TileConfig => ({ BLOCK_SIZE_M, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 });

describe('launchSpecialisation: which compiled binary a batch size needs', () => {
  it("SGLang's kernel: EM = M x 4 + 33 x (BLOCK_SIZE_M - 1) from 33 pairs, odd, so M >= 16 needs its own binary", () => {
    // M = 1: 4 pairs ('n'), EM = 4 x 16 = 64 ('16').
    expect(launchSpecialisation(lfm2, 1, bm(16), { engine: 'sglang' })).toBe('n16');
    // M = 8: 32 pairs, EM = 32 x 16 = 512: both multiples of 16.
    expect(launchSpecialisation(lfm2, 8, bm(16), { engine: 'sglang' })).toBe('1616');
    // M = 16: 64 pairs, EM = 64 + 33 x 15 = 559; M = 4096: 16384 + 33 x 63 = 18463 (BLOCK_SIZE_M 64).
    expect(launchSpecialisation(lfm2, 16, bm(16), { engine: 'sglang' })).toBe('16n');
    expect(launchSpecialisation(lfm2, 4096, bm(64), { engine: 'sglang' })).toBe('16n');
  });

  it("MoE Kit's kernel: EM = M x 4 + 32 x (BLOCK_SIZE_M - 1), a multiple of 16 whenever M x 4 is", () => {
    expect(launchSpecialisation(lfm2, 16, bm(16))).toBe('1616');
    // M = 1: 4 + 480 = 484.
    expect(launchSpecialisation(lfm2, 1, bm(16))).toBe('nn');
  });
});
