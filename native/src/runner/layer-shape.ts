import { InvalidProblemError } from '../reference/errors/invalid-problem-error';
import { dtypeMode, type MoeProblem } from '../reference/moe-problem';

/** The layer a runner serves: a KernelShape (E, N, K, top-k) and its dtype mode: a MoeProblem without M. */
export type MoeLayerShape = Omit<MoeProblem, 'M'>;

/**
 * The fields of @moe/model-shapes' KernelShape the runner needs (structurally: this package
 * does not depend on model-shapes).
 */
export interface KernelShapeLike {
  /** E: experts on this rank. */
  readonly localExperts: number;
  /** N: the expert intermediate size on this rank (the up GEMM is 2N wide). */
  readonly shardIntermediate: number;
  /** K */
  readonly hidden: number;
  readonly topk: number;
  /** The engine dtype string ('fp8_w8a8', ...), null for bf16/fp16 models. */
  readonly dtype: string | null;
  readonly blockShape: readonly [number, number] | null;
}

/**
 * The runner's layer shape for a KernelShape. `activation` picks bf16 or fp16 when the
 * engine dtype is null (both share config files).
 */
export function layerShapeOf(k: KernelShapeLike, activation: 'bf16' | 'fp16' = 'bf16'): MoeLayerShape {
  if (k.dtype !== null && k.dtype !== 'fp8_w8a8') {
    throw new InvalidProblemError(
      `dtype ${k.dtype}: the runner's kernels cover bf16, fp16 and fp8_w8a8 (per-tensor or block-wise); pick one of those shapes (int8/int4 modes are not implemented)`,
    );
  }
  const mode = k.dtype === null ? activation : dtypeMode(k.dtype, k.blockShape);
  return {
    E: k.localExperts,
    N: k.shardIntermediate,
    K: k.hidden,
    topk: k.topk,
    mode,
    blockShape: mode === 'fp8_w8a8_block' ? k.blockShape : null,
  };
}
