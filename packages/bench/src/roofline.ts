// The roofline (Williams, Waterman, Patterson 2009): a kernel that does `flops` and must move
// `bytes` can reach at most min(peak FLOP/s, bandwidth x flops/bytes). Its fraction of the
// roofline is the FLOP/s it reached over that ceiling, which is the same number as the
// shortest time the card allows, max(flops/peak, bytes/bandwidth), over the time it took.
import type { DtypeMode } from '@moe/native';
import type { Peaks } from './peaks';
import type { Work } from './traffic';

/** The two ceilings a kernel in `mode` is held against: dense FLOP/s of its operand type, and bytes/s. */
export interface Ceilings {
  flopsPerSecond: number;
  bytesPerSecond: number;
  /** Which dense rate: bf16 (bf16 and fp16 run at one rate on these cards) or fp8. */
  rate: 'bf16' | 'fp8';
}

export function ceilingsFor(peaks: Peaks, mode: DtypeMode): Ceilings | null {
  const rate = mode === 'fp8_w8a8' || mode === 'fp8_w8a8_block' ? 'fp8' : 'bf16';
  const flops = rate === 'fp8' ? peaks.fp8 : peaks.bf16;
  if (!flops || !peaks.bandwidth) return null;
  return { flopsPerSecond: flops.value, bytesPerSecond: peaks.bandwidth.value, rate };
}

/** min(peak, bandwidth x intensity), in FLOP/s. */
export function attainableFlops(intensity: number, c: Ceilings): number {
  return Math.min(c.flopsPerSecond, c.bytesPerSecond * intensity);
}

/** The shortest time the ceilings allow for this work, in µs. */
export function floorMicros(w: Work, c: Ceilings): number {
  return Math.max(w.flops / c.flopsPerSecond, w.bytes / c.bytesPerSecond) * 1e6;
}

/** Reached FLOP/s over the attainable FLOP/s (1 = on the roofline). */
export function rooflineFraction(w: Work, micros: number, c: Ceilings): number {
  return w.flops / (micros * 1e-6) / attainableFlops(w.intensity, c);
}

/** Whether the ceiling at this intensity is the bandwidth (left of the ridge) or the FLOP rate. */
export function boundBy(w: Work, c: Ceilings): 'memory' | 'compute' {
  return c.bytesPerSecond * w.intensity < c.flopsPerSecond ? 'memory' : 'compute';
}
