import { describe, expect, it } from 'vitest';
import type { BenchRecord } from './bench-record';
import { summarize } from './summarize';
import { syntheticRecord } from './synthetic';

/** A record of LFM2 TP1 up GEMMs at M=1 (4 experts hit) whose rounds the test sets by hand. */
async function handRecord(rounds: Record<string, number[]>): Promise<BenchRecord> {
  const r = await syntheticRecord({ ms: [1], stages: ['up'], rounds: 3 });
  for (const run of r.batches[0]!.runs) run.roundsUs = rounds[run.sets[0]!]!;
  return r;
}

describe('the rows of a record', () => {
  it('µs, TFLOP/s, GB/s, roofline and speedup at M=1, worked by hand', async () => {
    const record = await handRecord({ default: [20, 22, 21], tuned: [10, 11, 10.5], 'shipped@NVIDIA_H100_80GB_HBM3': [21, 20, 22] });
    const rows = summarize(record);
    expect(rows.map((r) => [r.set, r.sameConfigAs])).toEqual([
      ['default', null],
      ['tuned', null],
      ['shipped@NVIDIA_H100_80GB_HBM3', null],
      ['installed', 'default'],
    ]);
    const d = rows[0]!;
    expect(d.us).toBe(21);
    // 58,720,256 FLOPs in 21 µs = 2.79620 TFLOP/s; 58,753,024 bytes in 21 µs = 2797.763 GB/s.
    expect(d.tflops).toBeCloseTo(2.7962, 4);
    expect(d.gbs).toBeCloseTo(2797.763, 3);
    // Floor: 58,753,024 B / 4.8 TB/s = 12.2402 µs; 12.2402 / 21 = 0.58287 of the roofline.
    expect(d.floorUs).toBeCloseTo(12.2402, 4);
    expect(d.rooflineFraction).toBeCloseTo(0.58287, 5);
    expect(d.bound).toBe('memory');
    expect(d.speedup).toBeNull();
    expect(d.tokensPerSecond).toBeNull();
    // tuned: each round twice as fast as the default's round: 2 exactly, interval [2, 2].
    const t = rows[1]!;
    expect(t.speedup).toMatchObject({ speedup: 2, low: 2, high: 2, withinNoise: false, resampling: 'exact', resamples: 27 });
    // shipped: rounds 21/20, 20/22, 22/21: medians 21 and 21: 1, and the interval holds it.
    expect(rows[2]!.speedup).toMatchObject({ speedup: 1, withinNoise: true });
    // installed runs the default's config: the same run, exactly 1.
    expect(rows[3]!.us).toBe(21);
    expect(rows[3]!.speedup).toMatchObject({ speedup: 1, low: 1, high: 1, withinNoise: true });
  });

  it('a config that failed its check has no numbers and says why', async () => {
    const record = await handRecord({ default: [20, 22, 21], tuned: [], 'shipped@NVIDIA_H100_80GB_HBM3': [21, 20, 22] });
    const run = record.batches[0]!.runs.find((r) => r.sets[0] === 'tuned')!;
    run.check = { ok: false, summary: 'rel error 0.5 > tolerance 0.01' };
    const t = summarize(record).find((r) => r.set === 'tuned')!;
    expect(t).toMatchObject({ us: null, tflops: null, speedup: null, check: 'failed', failure: 'wrong result: rel error 0.5 > tolerance 0.01' });
  });

  it('tokens/s for the whole layer: M over its µs', async () => {
    const r = await syntheticRecord({ ms: [64], stages: ['layer'], rounds: 2 });
    for (const run of r.batches[0]!.runs) run.roundsUs = [100, 100];
    const d = summarize(r)[0]!;
    // 64 tokens in 100 µs = 640,000 tokens/s.
    expect(d.tokensPerSecond).toBeCloseTo(640_000, 6);
  });

  it('no ceilings for the card: no roofline fraction, the rest stands', async () => {
    const record = await handRecord({ default: [20, 22, 21], tuned: [10, 11, 10.5], 'shipped@NVIDIA_H100_80GB_HBM3': [21, 20, 22] });
    record.peaks = { card: 'Unknown', bandwidth: null, bf16: null, fp8: null };
    const d = summarize(record)[0]!;
    expect(d.rooflineFraction).toBeNull();
    expect(d.floorUs).toBeNull();
    expect(d.us).toBe(21);
  });
});
