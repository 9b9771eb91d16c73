import type { TileConfig } from '@moe/engine-facts';
import type { CompileRequest, CompileTarget, ConstexprValue, Specialization } from './types';

/** Dtype modes of the fused-MoE GEMM (KERNEL.md "Quantization modes"). */
export type GemmMode = 'bf16' | 'fp16' | 'fp8_w8a8' | 'fp8_w8a8_block';

/**
 * Triton's JIT specialisation for real argument values: numbers are integers (1 -> 'one',
 * multiple of 16 -> 'div16'), bigints are device addresses (16-byte aligned -> 'div16').
 */
export function specializationFor(values: Record<string, number | bigint>): Record<string, Specialization> {
  const out: Record<string, Specialization> = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'bigint') out[name] = value % 16n === 0n ? 'div16' : 'none';
    else if (!Number.isInteger(value)) throw new TypeError(`specializationFor: ${name}=${value} is not an integer`);
    else out[name] = value === 1 ? 'one' : value % 16 === 0 ? 'div16' : 'none';
  }
  return out;
}

const QUANT: Record<GemmMode, { quant: number; ab: string; groupN: number; groupK: number }> = {
  bf16: { quant: 0, ab: '*bf16', groupN: 0, groupK: 0 },
  fp16: { quant: 0, ab: '*fp16', groupN: 0, groupK: 0 },
  fp8_w8a8: { quant: 1, ab: '*fp8e4nv', groupN: 0, groupK: 0 },
  fp8_w8a8_block: { quant: 2, ab: '*fp8e4nv', groupN: 128, groupK: 128 },
};

/** The integer runtime args of fused_moe_gemm (element strides). Scale strides only for fp8_w8a8_block. */
export interface GemmInts {
  N: number;
  K: number;
  EM: number;
  num_valid_tokens: number;
  stride_am: number;
  stride_ak: number;
  stride_be: number;
  stride_bk: number;
  stride_bn: number;
  stride_cm: number;
  stride_cn: number;
  stride_asm?: number;
  stride_ask?: number;
  stride_bse?: number;
  stride_bsk?: number;
  stride_bsn?: number;
}

export interface GemmRequestOptions {
  mode: GemmMode;
  config: TileConfig;
  topK: number;
  mulRoutedWeight: boolean;
  ints: GemmInts;
  target: CompileTarget;
  /** Output element type; default bf16 (fp16 for mode fp16). */
  outType?: 'bf16' | 'fp16';
  /** fp8_w8a8_block's [GROUP_N, GROUP_K]; default [128, 128]. */
  blockShape?: [number, number];
}

const SCALE_STRIDES = ['stride_asm', 'stride_ask', 'stride_bse', 'stride_bsk', 'stride_bsn'] as const;

/**
 * The compile request for one fused_moe_gemm binary: the config's tiles as constexprs, the
 * mode's flags and pointer types, EVEN_K from K, unused scale/weight params folded to
 * constants (as the engines' JIT does with None), and the JIT's specialisation of `ints`.
 */
export function gemmCompileRequest(o: GemmRequestOptions): CompileRequest {
  const q = QUANT[o.mode];
  const [groupN, groupK] = o.mode === 'fp8_w8a8_block' ? (o.blockShape ?? [q.groupN, q.groupK]) : [0, 0];
  const constexprs: Record<string, ConstexprValue> = {
    BLOCK_SIZE_M: o.config.BLOCK_SIZE_M,
    BLOCK_SIZE_N: o.config.BLOCK_SIZE_N,
    BLOCK_SIZE_K: o.config.BLOCK_SIZE_K,
    GROUP_SIZE_M: o.config.GROUP_SIZE_M,
    MUL_ROUTED_WEIGHT: o.mulRoutedWeight,
    top_k: o.topK,
    QUANT: q.quant,
    EVEN_K: o.ints.K % o.config.BLOCK_SIZE_K === 0,
    GROUP_N: groupN,
    GROUP_K: groupK,
  };
  if (q.quant === 0) Object.assign(constexprs, { a_scale_ptr: null, b_scale_ptr: null });
  if (q.quant !== 2) for (const s of SCALE_STRIDES) constexprs[s] = 0;
  if (!o.mulRoutedWeight) constexprs.topk_weights_ptr = null;
  const ints: Record<string, number> = {};
  for (const [name, value] of Object.entries(o.ints)) {
    if (value === undefined || name in constexprs) continue;
    ints[name] = value;
  }
  if (q.quant === 2) {
    const missing = SCALE_STRIDES.filter((s) => ints[s] === undefined);
    if (missing.length > 0) throw new TypeError(`gemmCompileRequest: mode fp8_w8a8_block needs ints.${missing.join(', ints.')}`);
  }
  const out = o.outType ?? (o.mode === 'fp16' ? 'fp16' : 'bf16');
  return {
    kernel: 'fused_moe_gemm',
    constexprs,
    types: { a_ptr: q.ab, b_ptr: q.ab, c_ptr: `*${out}` },
    num_warps: o.config.num_warps,
    num_stages: o.config.num_stages,
    target: o.target,
    specialization: specializationFor(ints),
  };
}

/** Grid of fused_moe_gemm: cdiv(EM, BLOCK_SIZE_M) * cdiv(N, BLOCK_SIZE_N) programs. */
export function gemmGrid(config: TileConfig, EM: number, N: number): [number, number, number] {
  return [Math.ceil(EM / config.BLOCK_SIZE_M) * Math.ceil(N / config.BLOCK_SIZE_N), 1, 1];
}

/** Sizes of one alignment (align.py): everything depends only on M*top_k, E and BLOCK_SIZE_M. */
export interface AlignPlan {
  numel: number;
  numExperts: number;
  blockSizeM: number;
  /** Worst-case padded length: numel + E * (BLOCK_SIZE_M - 1); sorted_token_ids holds EM int32. */
  EM: number;
  /** cdiv(EM, BLOCK_SIZE_M): expert_ids holds this many int32. */
  numBlocks: number;
  /** Programs of moe_align_count and moe_align_scatter: cdiv(numel, chunk). */
  numChunks: number;
  chunk: number;
  ePad: number;
  /** int32 elements of the hist workspace (numChunks * ePad) and of bounds (2 * ePad). */
  histInts: number;
  boundsInts: number;
}

export const ALIGN_CHUNK = 128;

export function alignPlan(numel: number, numExperts: number, blockSizeM: number, chunk = ALIGN_CHUNK): AlignPlan {
  for (const [name, v] of Object.entries({ numel, numExperts, blockSizeM, chunk })) {
    if (!Number.isInteger(v) || v < 1) throw new TypeError(`alignPlan: ${name} must be a positive integer, got ${v}`);
  }
  let ePad = 1;
  while (ePad < numExperts) ePad *= 2;
  const EM = numel + numExperts * (blockSizeM - 1);
  const numChunks = Math.ceil(numel / chunk);
  return {
    numel,
    numExperts,
    blockSizeM,
    EM,
    numBlocks: Math.ceil(EM / blockSizeM),
    numChunks,
    chunk,
    ePad,
    histInts: numChunks * ePad,
    boundsInts: 2 * ePad,
  };
}

export interface AlignLaunch {
  request: CompileRequest;
  grid: [number, number, number];
  /** The integer args by name (pointers are the caller's buffers). */
  ints: Record<string, number>;
}

/** The three launches of an alignment, in order: count, scan, scatter. */
export function alignCompileRequests(
  plan: AlignPlan,
  target: CompileTarget,
  opts: { hasExpertMap?: boolean; num_warps?: number } = {},
): { count: AlignLaunch; scan: AlignLaunch; scatter: AlignLaunch } {
  const num_warps = opts.num_warps ?? 4;
  const base = { num_warps, num_stages: 1, target };
  const countInts = { numel: plan.numel, num_experts: plan.numExperts, EM: plan.EM };
  const scanInts = { num_chunks: plan.numChunks, num_experts: plan.numExperts };
  const scatterInts = { numel: plan.numel, num_experts: plan.numExperts, num_blocks: plan.numBlocks };
  const scatterConstexprs: Record<string, ConstexprValue> = {
    CHUNK: plan.chunk,
    E_PAD: plan.ePad,
    BLOCK_SIZE_M: plan.blockSizeM,
    HAS_EXPERT_MAP: opts.hasExpertMap ?? false,
    BLOCK_ROWS: 16,
  };
  if (!opts.hasExpertMap) scatterConstexprs.expert_map_ptr = null;
  return {
    count: {
      request: {
        kernel: 'moe_align_count',
        constexprs: { CHUNK: plan.chunk, E_PAD: plan.ePad, FILL_BLOCK: 1024, E_BLOCK: Math.min(64, plan.ePad) },
        ...base,
        specialization: specializationFor(countInts),
      },
      grid: [plan.numChunks, 1, 1],
      ints: countInts,
    },
    scan: {
      request: {
        kernel: 'moe_align_scan',
        constexprs: { BLOCK_SIZE_M: plan.blockSizeM, E_PAD: plan.ePad, SCAN_ROWS: 16 },
        ...base,
        specialization: specializationFor(scanInts),
      },
      grid: [1, 1, 1],
      ints: scanInts,
    },
    scatter: {
      request: { kernel: 'moe_align_scatter', constexprs: scatterConstexprs, ...base, specialization: specializationFor(scatterInts) },
      grid: [plan.numChunks, 1, 1],
      ints: scatterInts,
    },
  };
}

/** silu_and_mul over `rows` rows of [gate | up] (2N wide) into [rows, N]. */
export function siluAndMulRequest(o: {
  rows: number;
  N: number;
  strideXRow: number;
  strideOutRow: number;
  target: CompileTarget;
  dtype?: 'bf16' | 'fp16';
  blockN?: number;
}): AlignLaunch {
  const blockN = o.blockN ?? 1024;
  const ints = { N: o.N, stride_x_row: o.strideXRow, stride_out_row: o.strideOutRow };
  const t = `*${o.dtype ?? 'bf16'}`;
  return {
    request: {
      kernel: 'silu_and_mul',
      constexprs: { BLOCK_N: blockN },
      types: { x_ptr: t, out_ptr: t },
      num_warps: 4,
      num_stages: 1,
      target: o.target,
      specialization: specializationFor(ints),
    },
    grid: [o.rows, Math.ceil(o.N / blockN), 1],
    ints,
  };
}

/** moe_sum: out[m] = sum of the top-k rows m*topK .. m*topK+topK-1. */
export function moeSumRequest(o: {
  M: number;
  K: number;
  topK: number;
  strideXRow: number;
  strideOutRow: number;
  target: CompileTarget;
  dtype?: 'bf16' | 'fp16';
  blockK?: number;
}): AlignLaunch {
  const blockK = o.blockK ?? 1024;
  const ints = { K: o.K, stride_x_row: o.strideXRow, stride_out_row: o.strideOutRow };
  const t = `*${o.dtype ?? 'bf16'}`;
  return {
    request: {
      kernel: 'moe_sum',
      constexprs: { TOP_K: o.topK, BLOCK_K: blockK },
      types: { x_ptr: t, out_ptr: t },
      num_warps: 4,
      num_stages: 1,
      target: o.target,
      specialization: specializationFor(ints),
    },
    grid: [o.M, Math.ceil(o.K / blockK), 1],
    ints,
  };
}

/** fp8 e4m3 quantisation of [rows, K]: per-tensor with a given scale, or per token group (block-wise mode). */
export function fp8QuantRequest(o: {
  kind: 'per_tensor' | 'per_token_group';
  rows: number;
  K: number;
  strideXRow: number;
  strideQRow: number;
  /** per_token_group: row stride of the scale matrix [rows, cdiv(K, group)]. */
  strideSRow?: number;
  group?: number;
  target: CompileTarget;
  dtype?: 'bf16' | 'fp16';
}): AlignLaunch {
  const x = `*${o.dtype ?? 'bf16'}`;
  const fp8 = o.target.backend === 'hip' ? '*fp8e4b8' : '*fp8e4nv';
  const types = { x_ptr: x, q_ptr: fp8 };
  if (o.kind === 'per_tensor') {
    const ints = { K: o.K, stride_x_row: o.strideXRow, stride_q_row: o.strideQRow };
    return {
      request: {
        kernel: 'fp8_quant_per_tensor',
        constexprs: { BLOCK_K: 1024, FP8_MAX: 448 },
        types,
        num_warps: 4,
        num_stages: 1,
        target: o.target,
        specialization: specializationFor(ints),
      },
      grid: [o.rows, Math.ceil(o.K / 1024), 1],
      ints,
    };
  }
  const group = o.group ?? 128;
  const ints = { K: o.K, stride_x_row: o.strideXRow, stride_q_row: o.strideQRow, stride_s_row: o.strideSRow ?? Math.ceil(o.K / group) };
  return {
    request: {
      kernel: 'fp8_quant_per_token_group',
      constexprs: { GROUP: group, FP8_MAX: 448 },
      types,
      num_warps: 4,
      num_stages: 1,
      target: o.target,
      specialization: specializationFor(ints),
    },
    grid: [o.rows, Math.ceil(o.K / group), 1],
    ints,
  };
}
