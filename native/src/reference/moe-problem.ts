import { InvalidProblemError } from './errors/invalid-problem-error';
import type { ElementType } from './element-type';

/** How the GEMMs' operands are stored and scaled. */
export type DtypeMode = 'bf16' | 'fp16' | 'fp8_w8a8' | 'fp8_w8a8_block';

/**
 * One MoE layer on one rank: M tokens, E experts, intermediate N (the up GEMM is 2N wide),
 * hidden K, top-k. A KernelShape of @moe/model-shapes plus M and the dtype mode.
 */
export interface MoeProblem {
  readonly M: number;
  readonly E: number;
  readonly N: number;
  readonly K: number;
  readonly topk: number;
  readonly mode: DtypeMode;
  /** fp8 block-wise quantisation block [bn, bk]; [128, 128] is what engines ship. */
  readonly blockShape?: readonly [number, number] | null;
}

/** The storage type of the GEMM operands (A and W). */
export function operandType(mode: DtypeMode): ElementType {
  return mode === 'bf16' ? 'bf16' : mode === 'fp16' ? 'fp16' : 'fp8e4m3';
}

/** The type the GEMMs write (fp8 modes write bf16, as engines do for bf16 models). */
export function outputType(mode: DtypeMode): ElementType {
  return mode === 'fp16' ? 'fp16' : 'bf16';
}

/** Parses an engine-style dtype (undefined/'bf16'/'fp16'/'fp8_w8a8') plus block shape into a mode. */
export function dtypeMode(dtype: string | null | undefined, blockShape?: readonly [number, number] | null): DtypeMode {
  const d = dtype ?? 'bf16';
  if (d === 'bf16' || d === 'bfloat16') return 'bf16';
  if (d === 'fp16' || d === 'float16') return 'fp16';
  if (d === 'fp8_w8a8') return blockShape && blockShape[0] > 0 && blockShape[1] > 0 ? 'fp8_w8a8_block' : 'fp8_w8a8';
  throw new InvalidProblemError(`dtype "${d}": not supported by the runner; use bf16, fp16 or fp8_w8a8 (with or without block_shape [128, 128])`);
}

const DTYPE_MODES: readonly DtypeMode[] = ['bf16', 'fp16', 'fp8_w8a8', 'fp8_w8a8_block'];

export function checkProblem(p: MoeProblem): void {
  if (!DTYPE_MODES.includes(p.mode)) {
    throw new InvalidProblemError(`mode ${JSON.stringify(p.mode)}: not a dtype mode; use bf16, fp16, fp8_w8a8 or fp8_w8a8_block`);
  }
  for (const key of ['M', 'E', 'N', 'K', 'topk'] as const) {
    const v = p[key];
    if (!Number.isInteger(v) || v < 1) throw new InvalidProblemError(`${key}=${v}: must be an integer >= 1`);
  }
  if (p.topk > p.E) throw new InvalidProblemError(`topk=${p.topk} > E=${p.E}: each token needs top-k distinct experts; lower topk`);
  if (p.mode === 'fp8_w8a8_block') {
    const b = p.blockShape;
    if (!b || !(b[0] > 0 && b[1] > 0)) {
      throw new InvalidProblemError(`mode fp8_w8a8_block needs blockShape [bn, bk] with both > 0; pass [128, 128]`);
    }
  }
}

/** The worst-case padded length of the aligned pair list (EM) for a BLOCK_SIZE_M. */
export function paddedLength(M: number, topk: number, E: number, blockM: number): number {
  const pairs = M * topk;
  const bound = pairs + E * (blockM - 1);
  // With fewer pairs than experts, at most `pairs` experts are hit, each padded to <= blockM.
  return Math.min(bound, pairs * blockM);
}
