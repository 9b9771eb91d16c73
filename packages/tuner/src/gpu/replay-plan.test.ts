import { describe, expect, it } from 'vitest';
import { replayPlan } from './replay-plan';

// LFM2-8B-A1B TP1: E=32, N=1792, K=2048, top-4, bf16.
const lfm2 = { E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16', blockShape: null } as const;

describe('replayPlan', () => {
  it("keeps the engines' protocol for ground truth", () => {
    expect(replayPlan('engine', lfm2, 'up', 4096)).toEqual({ launchesPerGraph: 10, warmup: 5 });
  });

  it('gives long kernels fewer launches per graph, from the roofline floor, and one warm-up', () => {
    // M=4096 up: 2 x 16384 pairs x 3584 x 2048 = 240.5 GFLOP at 790 TFLOP/s = 304 µs: one launch fills 300 µs.
    expect(replayPlan('fast', lfm2, 'up', 4096)).toEqual({ launchesPerGraph: 1, warmup: 1 });
    // M=64 up: all 32 experts' W1 (32 x 3584 x 2048 x 2 B = 469.8 MB) + 256 pairs x 5632 x 2 B at 4.8 TB/s = 98.5 µs: 4 launches.
    expect(replayPlan('fast', lfm2, 'up', 64).launchesPerGraph).toBe(4);
    // M=1 up: 4 experts' W1 (58.7 MB) = 12.2 µs: 25 would fill 300 µs, capped at the engines' 10.
    expect(replayPlan('fast', lfm2, 'up', 1).launchesPerGraph).toBe(10);
    // M=4096 down: 240.5 GFLOP / 2 (K x N = 2048 x 1792 vs 3584 x 2048) = 152 µs: 2 launches.
    expect(replayPlan('fast', lfm2, 'down', 4096).launchesPerGraph).toBe(2);
  });
});
