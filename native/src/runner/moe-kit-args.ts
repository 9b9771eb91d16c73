// MoE Kit's own fused_moe_gemm (the stand-in for the engine's kernel): its compile request and
// its launch arguments for the up GEMM ([M, K] x W1 -> [M*topk, 2N]) and the down GEMM
// ([M*topk, N] x W2 -> [M*topk, K], weighted by the routing).
import type { TileConfig } from '@moe/engine-facts';
import type { CompileRequest, CompileTarget } from '../compile/types';
import { gemmCompileRequest, type GemmInts } from '../compile/requests';
import type { MoeProblem } from '../reference/moe-problem';
import type { AlignState } from './align-state';
import type { BatchBuffers, InputSet } from './batch-buffers';
import type { ArgValue } from './loaded-kernel';

/** The integer arguments of GEMM `which` over EM aligned rows (element strides; scale strides for block-wise fp8). */
export function gemmInts(problem: MoeProblem, which: 'up' | 'down', EM: number): GemmInts {
  const { M, topk, N, K, blockShape } = problem;
  const outN = which === 'up' ? 2 * N : K;
  const inK = which === 'up' ? K : N;
  const [bn, bk] = blockShape ?? [128, 128];
  const tk = Math.ceil(inK / bk);
  return {
    N: outN,
    K: inK,
    EM,
    num_valid_tokens: M * topk,
    stride_am: inK,
    stride_ak: 1,
    stride_be: outN * inK,
    stride_bk: 1,
    stride_bn: inK,
    stride_cm: outN,
    stride_cn: 1,
    stride_asm: tk,
    stride_ask: 1,
    stride_bse: Math.ceil(outN / bn) * tk,
    stride_bsk: 1,
    stride_bsn: tk,
  };
}

function stripScaleStrides(ints: GemmInts): GemmInts {
  const { stride_asm: _a, stride_ask: _b, stride_bse: _c, stride_bsk: _d, stride_bsn: _e, ...rest } = ints;
  return rest;
}

/** The compile request of MoE Kit's kernel for GEMM `which` and a config. */
export function moeKitGemmRequest(problem: MoeProblem, which: 'up' | 'down', config: TileConfig, ints: GemmInts, target: CompileTarget): CompileRequest {
  const { mode, blockShape } = problem;
  return gemmCompileRequest({
    mode,
    config,
    mulRoutedWeight: which === 'down',
    topK: which === 'up' ? problem.topk : 1,
    ints: mode === 'fp8_w8a8_block' ? ints : stripScaleStrides(ints),
    target,
    ...(blockShape ? { blockShape: [blockShape[0], blockShape[1]] as [number, number] } : {}),
  });
}

/** The launch arguments of MoE Kit's kernel for GEMM `which` on input set `set`. */
export function moeKitGemmArgs(
  problem: MoeProblem,
  which: 'up' | 'down',
  ints: GemmInts,
  al: AlignState,
  set: InputSet,
  buffers: BatchBuffers,
): Record<string, ArgValue> {
  const { mode } = problem;
  const fp8 = mode === 'fp8_w8a8' || mode === 'fp8_w8a8_block';
  const base: Record<string, ArgValue> = {
    topk_weights_ptr: buffers.weights,
    sorted_token_ids_ptr: al.sorted,
    expert_ids_ptr: al.expertIds,
    num_tokens_post_padded_ptr: al.ntpp,
    ...(ints as unknown as Record<string, number>),
  };
  if (which === 'up') {
    return { ...base, a_ptr: set.a, b_ptr: set.w.w1, c_ptr: set.c1, a_scale_ptr: set.aScale, b_scale_ptr: set.w.w1Scale };
  }
  return {
    ...base,
    a_ptr: fp8 ? set.actQ! : set.act!,
    b_ptr: set.w.w2!,
    c_ptr: set.c2!,
    a_scale_ptr: mode === 'fp8_w8a8' ? buffers.a2ScaleBuf : mode === 'fp8_w8a8_block' ? set.actScale! : null,
    b_scale_ptr: set.w.w2Scale,
  };
}
