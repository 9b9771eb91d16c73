// The work one launch must do, counted from the shape alone (KERNEL.md, "Two numbers to hold
// every result against"): FLOPs = 2 * M * topk * N_out * K_in per GEMM, and the bytes that must
// move at least: every hit expert's weights (and their scales) once, the activations in and the
// outputs out. Routing metadata (sorted ids, expert ids, weights: a few KB) is left out.
import type { DtypeMode } from '@moe/native';

/** What is timed: the up GEMM (gate+up), the down GEMM, or the whole layer. */
export type BenchStage = 'up' | 'down' | 'layer';
export const BENCH_STAGES: readonly BenchStage[] = ['up', 'down', 'layer'];

/** The layer's dimensions (a BenchShape has them). */
export interface LayerDims {
  E: number;
  N: number;
  K: number;
  topk: number;
  mode: DtypeMode;
  blockShape: [number, number] | null;
}

export interface Work {
  flops: number;
  /** weightBytes + activationBytes. */
  bytes: number;
  /** Hit experts' weights and their scales. */
  weightBytes: number;
  /** Activations read and outputs written. */
  activationBytes: number;
  /** FLOPs per byte. */
  intensity: number;
}

/**
 * Experts hit at least once when M tokens each pick top-k distinct experts of E uniformly at
 * random: an expert is missed by one token with probability 1 - topk/E, by all M with its M-th
 * power, so E * (1 - (1 - topk/E)^M).
 */
export function expectedHitExperts(E: number, topk: number, M: number): number {
  return E * (1 - (1 - topk / E) ** M);
}

const fp8 = (mode: DtypeMode) => mode === 'fp8_w8a8' || mode === 'fp8_w8a8_block';
/** Bytes of one stored operand element: 2 for bf16/fp16, 1 for fp8. */
export const operandBytes = (mode: DtypeMode): number => (fp8(mode) ? 1 : 2);
/** GEMM outputs are bf16/fp16 in every mode. */
const OUT_BYTES = 2;
const SCALE_BYTES = 4;

/** Scale bytes of one expert's [nOut, kIn] weight: one fp32 per expert (per-tensor) or per [bn, bk] block. */
function weightScaleBytes(d: LayerDims, nOut: number, kIn: number): number {
  if (d.mode === 'fp8_w8a8') return SCALE_BYTES;
  if (d.mode === 'fp8_w8a8_block') return SCALE_BYTES * Math.ceil(nOut / d.blockShape![0]) * Math.ceil(kIn / d.blockShape![1]);
  return 0;
}

/** Scale bytes of `rows` activation rows of width kIn: one fp32 (per-tensor) or one per row and bk group. */
function activationScaleBytes(d: LayerDims, rows: number, kIn: number): number {
  if (d.mode === 'fp8_w8a8') return SCALE_BYTES;
  if (d.mode === 'fp8_w8a8_block') return SCALE_BYTES * rows * Math.ceil(kIn / d.blockShape![1]);
  return 0;
}

function work(flops: number, weightBytes: number, activationBytes: number): Work {
  const bytes = weightBytes + activationBytes;
  return { flops, bytes, weightBytes, activationBytes, intensity: flops / bytes };
}

/** One GEMM: the up one reads A [M, K] and writes [M*topk, 2N]; the down one reads [M*topk, N] and writes [M*topk, K]. */
export function gemmWork(d: LayerDims, gemm: 'up' | 'down', M: number, hitExperts: number): Work {
  const pairs = M * d.topk;
  const ob = operandBytes(d.mode);
  const [nOut, kIn, rowsIn] = gemm === 'up' ? [2 * d.N, d.K, M] : [d.K, d.N, pairs];
  const flops = 2 * pairs * nOut * kIn;
  const weights = hitExperts * (nOut * kIn * ob + weightScaleBytes(d, nOut, kIn));
  const acts = rowsIn * kIn * ob + activationScaleBytes(d, rowsIn, kIn) + pairs * nOut * OUT_BYTES;
  return work(flops, weights, acts);
}

/**
 * The whole layer: the bytes each of its kernels must move, summed: both GEMMs, silu_and_mul
 * (reads [M*topk, 2N], writes [M*topk, N] in the type the down GEMM reads: fp8 modes quantise
 * it, counted as one pass) and the top-k sum (reads [M*topk, K], writes [M, K]). Their FLOPs
 * are left out (under 0.1% of the GEMMs'); so is the alignment (routing metadata only).
 */
export function layerWork(d: LayerDims, M: number, hitExperts: number): Work {
  const up = gemmWork(d, 'up', M, hitExperts);
  const down = gemmWork(d, 'down', M, hitExperts);
  const pairs = M * d.topk;
  const activation = pairs * 2 * d.N * OUT_BYTES + pairs * d.N * operandBytes(d.mode);
  const combine = pairs * d.K * OUT_BYTES + M * d.K * OUT_BYTES;
  return work(up.flops + down.flops, up.weightBytes + down.weightBytes, up.activationBytes + down.activationBytes + activation + combine);
}

export function stageWork(d: LayerDims, stage: BenchStage, M: number, hitExperts: number): Work {
  return stage === 'layer' ? layerWork(d, M, hitExperts) : gemmWork(d, stage, M, hitExperts);
}
