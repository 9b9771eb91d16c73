import { describe, expect, it } from 'vitest';
import { attainableFlops, boundBy, ceilingsFor, floorMicros, rooflineFraction, type Ceilings } from './roofline';
import { tablePeaks } from './peaks';
import type { Work } from './traffic';

const H200: Ceilings = { flopsPerSecond: 790e12, bytesPerSecond: 4.8e12, rate: 'bf16' };
const work = (flops: number, bytes: number): Work => ({ flops, bytes, weightBytes: bytes, activationBytes: 0, intensity: flops / bytes });

describe('roofline', () => {
  it('small M is held to the bandwidth: the LFM2 up GEMM at M=1', () => {
    // 58,720,256 FLOPs over 58,753,024 bytes: intensity ~1 FLOP/byte, far left of the ridge (~165).
    const w = work(58_720_256, 58_753_024);
    expect(boundBy(w, H200)).toBe('memory');
    // The floor is bytes / bandwidth = 58,753,024 / 4.8e12 s = 12.2402133 µs.
    expect(floorMicros(w, H200)).toBeCloseTo(12.2402133, 6);
    // Twice the floor is half the roofline.
    expect(rooflineFraction(w, 2 * 12.2402133333, H200)).toBeCloseTo(0.5, 9);
    expect(attainableFlops(w.intensity, H200)).toBeCloseTo(4.8e12 * (58_720_256 / 58_753_024), 0);
  });

  it('large intensity is held to the FLOP rate', () => {
    // 1e12 FLOPs over 1e9 bytes: intensity 1000 > 790e12 / 4.8e12 = 164.6.
    const w = work(1e12, 1e9);
    expect(boundBy(w, H200)).toBe('compute');
    expect(attainableFlops(1000, H200)).toBe(790e12);
    // 1e12 / 790e12 s = 1265.8228 µs
    expect(floorMicros(w, H200)).toBeCloseTo(1265.8228, 3);
    expect(rooflineFraction(w, 1265.8228 * 4, H200)).toBeCloseTo(0.25, 6);
  });

  it('picks the fp8 rate for fp8 modes and none for a card without ceilings', () => {
    const peaks = tablePeaks('NVIDIA H200');
    expect(ceilingsFor(peaks, 'bf16')).toEqual({ flopsPerSecond: 790e12, bytesPerSecond: 4.8e12, rate: 'bf16' });
    expect(ceilingsFor(peaks, 'fp16')?.rate).toBe('bf16');
    expect(ceilingsFor(peaks, 'fp8_w8a8_block')).toEqual({ flopsPerSecond: 1979e12, bytesPerSecond: 4.8e12, rate: 'fp8' });
    expect(ceilingsFor(tablePeaks('Some Unknown GPU'), 'bf16')).toBeNull();
  });
});
