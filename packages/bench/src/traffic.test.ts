import { describe, expect, it } from 'vitest';
import { expectedHitExperts, gemmWork, layerWork, stageWork, type LayerDims } from './traffic';

// LiquidAI/LFM2-8B-A1B TP1: E=32, N=1792, K=2048, top-4, bf16 (KERNEL.md).
const LFM2: LayerDims = { E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16', blockShape: null };
// Qwen3-30B-A3B with fp8 block [128, 128] weights: E=128, N=768, K=2048, top-8.
const QWEN_FP8: LayerDims = { E: 128, N: 768, K: 2048, topk: 8, mode: 'fp8_w8a8_block', blockShape: [128, 128] };

describe('expected hit experts under uniform routing', () => {
  it('E * (1 - (1 - topk/E)^M), worked by hand', () => {
    // One token hits exactly its top-k experts.
    expect(expectedHitExperts(32, 4, 1)).toBe(4);
    // Two tokens: 32 * (1 - (28/32)^2) = 32 * (1 - 0.765625) = 7.5.
    expect(expectedHitExperts(32, 4, 2)).toBeCloseTo(7.5, 12);
    // Every expert when top-k is all of them.
    expect(expectedHitExperts(8, 8, 3)).toBe(8);
    // Many tokens: all of them (1 - 0.875^4096 rounds to 1).
    expect(expectedHitExperts(32, 4, 4096)).toBe(32);
  });
});

describe('FLOPs and the bytes that must move', () => {
  it('LFM2 up GEMM at M=1: four experts of [3584, 2048] bf16 weights', () => {
    const w = gemmWork(LFM2, 'up', 1, 4);
    // 2 * M * topk * 2N * K = 2 * 1 * 4 * 3584 * 2048
    expect(w.flops).toBe(58_720_256);
    // 4 experts * 3584 * 2048 * 2 bytes
    expect(w.weightBytes).toBe(58_720_256);
    // A [1, 2048] bf16 in (4,096) + C [4, 3584] bf16 out (28,672)
    expect(w.activationBytes).toBe(32_768);
    expect(w.bytes).toBe(58_753_024);
    expect(w.intensity).toBeCloseTo(58_720_256 / 58_753_024, 12);
  });

  it('LFM2 down GEMM at M=1: rows are the 4 pairs, out is [4, 2048]', () => {
    const w = gemmWork(LFM2, 'down', 1, 4);
    expect(w.flops).toBe(2 * 4 * 2048 * 1792); // 29,360,128
    expect(w.weightBytes).toBe(4 * 2048 * 1792 * 2);
    // in [4, 1792] bf16 = 14,336; out [4, 2048] bf16 = 16,384
    expect(w.activationBytes).toBe(30_720);
  });

  it('fp8 block [128, 128]: one-byte weights plus one fp32 scale per block, per-group activation scales', () => {
    const w = gemmWork(QWEN_FP8, 'up', 1, 8);
    expect(w.flops).toBe(2 * 8 * 1536 * 2048); // 50,331,648
    // per expert: 1536 * 2048 bytes + 4 * (1536/128) * (2048/128) = 3,145,728 + 768
    expect(w.weightBytes).toBe(8 * 3_146_496);
    // A [1, 2048] fp8 = 2,048 + its 16 group scales = 64 + out [8, 1536] bf16 = 24,576
    expect(w.activationBytes).toBe(26_688);
  });

  it('the whole layer adds silu_and_mul and the top-k sum to both GEMMs', () => {
    const w = layerWork(LFM2, 1, 4);
    expect(w.flops).toBe(58_720_256 + 29_360_128);
    expect(w.weightBytes).toBe(58_720_256 + 29_360_128);
    // GEMMs 32,768 + 30,720; silu reads [4, 3584] bf16 (28,672), writes [4, 1792] bf16 (14,336);
    // the sum reads [4, 2048] bf16 (16,384) and writes [1, 2048] bf16 (4,096).
    expect(w.activationBytes).toBe(32_768 + 30_720 + 28_672 + 14_336 + 16_384 + 4_096);
    expect(stageWork(LFM2, 'layer', 1, 4)).toEqual(w);
    expect(stageWork(LFM2, 'up', 1, 4)).toEqual(gemmWork(LFM2, 'up', 1, 4));
  });

  it('more hit experts means more weight bytes, not more FLOPs', () => {
    const a = gemmWork(LFM2, 'up', 16, 20);
    const b = gemmWork(LFM2, 'up', 16, 32);
    expect(b.flops).toBe(a.flops);
    expect(b.weightBytes - a.weightBytes).toBe(12 * 3584 * 2048 * 2);
  });
});
