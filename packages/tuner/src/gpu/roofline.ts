// The roofline floor of a fused-MoE GEMM launch on the H200 (native/PERF.md's two numbers per M).
import type { WorkerShape } from './measure-protocol';

/** H200 peaks used for the floor (native/PERF.md): bytes per µs and FLOPs per µs. */
const PEAK = { bytesPerUs: 4.8e6, flopsPerUs: 790e6 };

/** The roofline floor of one GEMM launch at M, µs (bytes of the experts hit, or FLOPs, whichever binds). */
export function floorUs(shape: WorkerShape, gemm: 'up' | 'down', M: number): number {
  const pairs = M * shape.topk;
  const width = gemm === 'up' ? 2 * shape.N : shape.K;
  const depth = gemm === 'up' ? shape.K : shape.N;
  const bytesPerElement = shape.mode.startsWith('fp8') ? 1 : 2;
  const bytes = Math.min(shape.E, pairs) * width * depth * bytesPerElement + pairs * (width + depth) * 2;
  const flops = 2 * pairs * width * depth;
  return Math.max(bytes / PEAK.bytesPerUs, flops / PEAK.flopsPerUs);
}
