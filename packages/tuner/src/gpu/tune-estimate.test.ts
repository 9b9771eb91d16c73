import { describe, expect, it } from 'vitest';
import { estimateTune, floorUs } from './tune-estimate';

const LFM2 = { E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16' as const, blockShape: null };

describe('the time estimate of a dry run', () => {
  it('floors the up GEMM as native/PERF.md does', () => {
    // M = 4096: 2 x 4096 x 4 x 3584 x 2048 FLOPs / 790 TFLOP/s = 304.45 µs (PERF.md: 304.5, FLOPs).
    expect(floorUs(LFM2, 'up', 4096)).toBeCloseTo(304.45, 1);
    // M = 64: 32 experts x 3584 x 2048 x 2 B + 256 x (3584 + 2048) x 2 B over 4.8 TB/s = 98.47 µs (PERF.md: 98.3, bytes).
    expect(floorUs(LFM2, 'up', 64)).toBeCloseTo(98.47, 1);
    // The down GEMM of M = 64: the same bytes (K x N per expert), half the width: 32 x 2048 x 1792 x 2 + 256 x (2048 + 1792) x 2 = 236,912,640 B -> 49.36 µs.
    expect(floorUs(LFM2, 'down', 64)).toBeCloseTo(49.36, 1);
  });

  it('exhaustive measures every candidate at every batch size and takes longer than auto', () => {
    const base = { shape: LFM2, batchSizes: [1, 64, 4096], candidates: 1304, grid: 1920, gpus: 1 };
    const auto = estimateTune({ ...base, strategy: 'auto' });
    const all = estimateTune({ ...base, strategy: 'exhaustive' });
    // The space compiled ahead for both GEMMs, and again for M = 1 (4 pairs: not a multiple of 16, its own specialisation).
    expect(all.compiles).toBe(2 * 1304 + 2 * 1304);
    expect(all.measurements).toBe(2 * 3 * 1304 + 2 * 3 * 8);
    // 7,872 requests against auto's ~900 (7.1% of the configs, 1.55 requests each, 8 per GEMM and batch size after): the timing is > 5x; the wall less, both compile the space ahead.
    expect(all.measureSeconds).toBeGreaterThan(5 * auto.measureSeconds);
    expect(all.wallSeconds.cold).toBeGreaterThan(auto.wallSeconds.cold);
    // Warm caches leave the timing: never longer than cold.
    expect(auto.wallSeconds.warm).toBeLessThan(auto.wallSeconds.cold);
    // Two GPUs halve the timing.
    expect(estimateTune({ ...base, strategy: 'auto', gpus: 2 }).measureSeconds).toBeCloseTo(auto.measureSeconds / 2, 6);
  });
});
