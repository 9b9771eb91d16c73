import type { KernelName } from './types';

/** One parameter of a kernel's Python signature, in order. */
export interface SignatureParam {
  name: string;
  /** 'constexpr' for tl.constexpr parameters; otherwise the default Triton type of the runtime param. */
  type: string;
}

const ptrs = (type: string, ...names: string[]): SignatureParam[] => names.map((name) => ({ name, type: `*${type}` }));
const ints = (...names: string[]): SignatureParam[] => names.map((name) => ({ name, type: 'i32' }));
const consts = (...names: string[]): SignatureParam[] => names.map((name) => ({ name, type: 'constexpr' }));

/**
 * The signatures of the kernels in native/python/moe_kit_kernels, in parameter order, with
 * the default types of native/python/moe_kit_kernels/registry.py. A test checks the names and
 * the constexpr marks against the Python source.
 */
export const KERNEL_SIGNATURES: Readonly<Record<Exclude<KernelName, 'engine_fused_moe'>, readonly SignatureParam[]>> = {
  fused_moe_gemm: [
    ...ptrs('bf16', 'a_ptr', 'b_ptr', 'c_ptr'),
    ...ptrs('fp32', 'a_scale_ptr', 'b_scale_ptr', 'topk_weights_ptr'),
    ...ptrs('i32', 'sorted_token_ids_ptr', 'expert_ids_ptr', 'num_tokens_post_padded_ptr'),
    ...ints('N', 'K', 'EM', 'num_valid_tokens'),
    ...ints('stride_am', 'stride_ak', 'stride_be', 'stride_bk', 'stride_bn', 'stride_cm', 'stride_cn'),
    ...ints('stride_asm', 'stride_ask', 'stride_bse', 'stride_bsk', 'stride_bsn'),
    ...consts('GROUP_N', 'GROUP_K', 'BLOCK_SIZE_M', 'BLOCK_SIZE_N', 'BLOCK_SIZE_K', 'GROUP_SIZE_M'),
    ...consts('MUL_ROUTED_WEIGHT', 'top_k', 'QUANT', 'EVEN_K'),
  ],
  moe_align_count: [
    ...ptrs('i32', 'topk_ids_ptr', 'hist_ptr', 'sorted_token_ids_ptr'),
    ...ints('numel', 'num_experts', 'EM'),
    ...consts('CHUNK', 'E_PAD', 'FILL_BLOCK', 'E_BLOCK'),
  ],
  moe_align_scan: [
    ...ptrs('i32', 'hist_ptr', 'bounds_ptr', 'num_tokens_post_padded_ptr'),
    ...ints('num_chunks', 'num_experts'),
    ...consts('BLOCK_SIZE_M', 'E_PAD', 'SCAN_ROWS'),
  ],
  moe_align_scatter: [
    ...ptrs('i32', 'topk_ids_ptr', 'hist_ptr', 'bounds_ptr', 'expert_map_ptr', 'sorted_token_ids_ptr', 'expert_ids_ptr'),
    ...ints('numel', 'num_experts', 'num_blocks'),
    ...consts('CHUNK', 'E_PAD', 'BLOCK_SIZE_M', 'HAS_EXPERT_MAP', 'BLOCK_ROWS'),
  ],
  silu_and_mul: [...ptrs('bf16', 'x_ptr', 'out_ptr'), ...ints('N', 'stride_x_row', 'stride_out_row'), ...consts('BLOCK_N')],
  moe_sum: [
    ...ptrs('bf16', 'x_ptr', 'out_ptr'),
    ...ints('K', 'stride_x_row', 'stride_out_row'),
    ...consts('TOP_K', 'BLOCK_K'),
  ],
  fp8_quant_per_tensor: [
    { name: 'x_ptr', type: '*bf16' },
    { name: 'q_ptr', type: '*fp8e4nv' },
    { name: 'scale_ptr', type: '*fp32' },
    ...ints('K', 'stride_x_row', 'stride_q_row'),
    ...consts('BLOCK_K', 'FP8_MAX'),
  ],
  fp8_quant_per_token_group: [
    { name: 'x_ptr', type: '*bf16' },
    { name: 'q_ptr', type: '*fp8e4nv' },
    { name: 'scale_ptr', type: '*fp32' },
    ...ints('K', 'stride_x_row', 'stride_q_row', 'stride_s_row'),
    ...consts('GROUP', 'FP8_MAX'),
  ],
};

export const KERNEL_NAMES = Object.keys(KERNEL_SIGNATURES) as Exclude<KernelName, 'engine_fused_moe'>[];

export function isKernelName(name: string): name is Exclude<KernelName, 'engine_fused_moe'> {
  return Object.prototype.hasOwnProperty.call(KERNEL_SIGNATURES, name);
}
