import { orderKernelConfig, tritonLaunchDefaults, type Engine, type KernelConfig } from '@moe/engine-facts';

export interface DefaultConfigInput {
  /** Tokens in the MoE call on this rank. */
  m: number;
  /** Experts on this rank. */
  e: number;
  /** dtype part of the file name (null: bf16/fp16). */
  dtype: string | null;
  /** [block_n, block_k] when block-quantized; int4/int8 w*a16 group quantization is [0, group]. */
  blockShape?: [number, number] | null;
  /** ROCm changes the stage counts. */
  platform?: 'cuda' | 'rocm';
  /** vLLM int4_w4a16: top-k decides between the CUDA and Triton wna16 kernels. */
  topk?: number;
}

export interface DefaultConfig {
  /** The dict the engine builds, as it builds it (fields it leaves out are absent). */
  engineDict: Partial<KernelConfig>;
  /** What the kernel is launched with: Triton's launch defaults filled in for missing warps/stages. */
  config: KernelConfig;
  /** Fields the engine's dict leaves to Triton or to a later kernel-specific step. */
  notes: string[];
}

/**
 * SGLang's default (mid-2026): fp8_w8a8 per-tensor 128/256/128/32, 8 warps, 4 stages (ROCm 2),
 * or 64/128/128/1, 4 warps when M <= E; fp8 block-quantized 64/block_n/block_k/32, 4 warps,
 * 3 stages (ROCm 2); everything else 64/64/32/8, or 16/32/64/1 when M <= E, with warps and
 * stages left to Triton.
 */
export function sglangDefaultConfig(input: DefaultConfigInput): DefaultConfig {
  const { m, e, dtype } = input;
  const rocm = input.platform === 'rocm';
  let dict: Partial<KernelConfig>;
  if (dtype === 'fp8_w8a8') {
    if (!input.blockShape) {
      dict =
        m <= e
          ? { BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 128, GROUP_SIZE_M: 1, num_warps: 4, num_stages: rocm ? 2 : 4 }
          : { BLOCK_SIZE_M: 128, BLOCK_SIZE_N: 256, BLOCK_SIZE_K: 128, GROUP_SIZE_M: 32, num_warps: 8, num_stages: rocm ? 2 : 4 };
    } else {
      const [bn, bk] = input.blockShape;
      dict = { BLOCK_SIZE_M: 64, BLOCK_SIZE_N: bn, BLOCK_SIZE_K: bk, GROUP_SIZE_M: 32, num_warps: 4, num_stages: rocm ? 2 : 3 };
    }
  } else {
    dict = m <= e ? { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1 } : { BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 32, GROUP_SIZE_M: 8 };
  }
  return finish(dict, rocm);
}

/**
 * vLLM's default (since early 2026): block-quantized fp8 takes BLOCK_M 16 (M <= 64) or 64,
 * block_n x block_k tiles, GROUP_M 1 (M <= 16) or 32, 4 warps, 3 stages (ROCm 2);
 * int4/int8 w*a16 with group quantization sets only BLOCK_M (16/32/64 at M <= 20/40/more,
 * or min(16, M) for the CUDA int4 kernel) and GROUP_M 1; everything else is batch-size aware:
 * BLOCK_M 16/32/64/128 at M <= 32/96/512/more, BLOCK_N 64 (M <= 64) or 128, BLOCK_K 128 for
 * fp8 or M <= 64 else 64, GROUP_M 16 when M // E > 128 else 1, 4 warps up to M = 128 then 8,
 * 4 stages up to M = 32 then 3 (ROCm 2). SPLIT_K is always 1.
 */
export function vllmDefaultConfig(input: DefaultConfigInput): DefaultConfig {
  const { m, e, dtype } = input;
  const rocm = input.platform === 'rocm';
  const notes: string[] = [];
  let dict: Partial<KernelConfig>;
  if (dtype === 'fp8_w8a8' && input.blockShape) {
    const [bn, bk] = input.blockShape;
    dict = {
      BLOCK_SIZE_M: m <= 64 ? 16 : 64,
      BLOCK_SIZE_N: bn,
      BLOCK_SIZE_K: bk,
      GROUP_SIZE_M: m <= 16 ? 1 : 32,
      SPLIT_K: 1,
      num_warps: 4,
      num_stages: rocm ? 2 : 3,
    };
  } else if ((dtype === 'int4_w4a16' || dtype === 'int8_w8a16') && input.blockShape) {
    const group = input.blockShape[1];
    const cudaKernel =
      !rocm && dtype === 'int4_w4a16' && [32, 64, 128].includes(group) && input.topk !== undefined && (m * input.topk) / e <= 6;
    if (cudaKernel) dict = { BLOCK_SIZE_M: Math.min(16, m), SPLIT_K: 1 };
    else dict = { BLOCK_SIZE_M: m <= 20 ? 16 : m <= 40 ? 32 : 64, GROUP_SIZE_M: 1, SPLIT_K: 1 };
    notes.push(
      cudaKernel
        ? 'BLOCK_SIZE_N/K are chosen later by the CUDA wna16 kernel from the weight shape'
        : `BLOCK_SIZE_N/K are set later by the Triton wna16 path: ${m === 1 ? '32/64 at M = 1' : '64/32 above M = 1'}`,
    );
    if (!cudaKernel) {
      dict.BLOCK_SIZE_N = m === 1 ? 32 : 64;
      dict.BLOCK_SIZE_K = m === 1 ? 64 : 32;
    }
    if (dtype === 'int4_w4a16' && input.topk === undefined && !rocm) {
      notes.push('int4_w4a16 on CUDA may use the CUDA wna16 kernel when M x topk / E <= 6; pass topk to decide');
    }
  } else {
    dict = {
      BLOCK_SIZE_M: m <= 32 ? 16 : m <= 96 ? 32 : m <= 512 ? 64 : 128,
      BLOCK_SIZE_N: m <= 64 ? 64 : 128,
      BLOCK_SIZE_K: dtype === 'fp8_w8a8' || m <= 64 ? 128 : 64,
      GROUP_SIZE_M: Math.floor(m / Math.max(e, 1)) > 128 ? 16 : 1,
      SPLIT_K: 1,
      num_warps: m <= 128 ? 4 : 8,
      num_stages: rocm ? 2 : m <= 32 ? 4 : 3,
    };
  }
  const out = finish(dict, rocm);
  out.notes.push(...notes);
  return out;
}

function finish(dict: Partial<KernelConfig>, rocm: boolean): DefaultConfig {
  const launch = tritonLaunchDefaults(rocm ? 'rocm' : 'cuda');
  const notes: string[] = [];
  const config = { ...dict } as KernelConfig;
  if (config.num_warps === undefined) {
    config.num_warps = launch.num_warps;
    notes.push(`num_warps is Triton's launch default (${launch.num_warps})`);
  }
  if (config.num_stages === undefined) {
    config.num_stages = launch.num_stages;
    notes.push(`num_stages is Triton's launch default (${launch.num_stages})`);
  }
  return { engineDict: dict, config: orderKernelConfig(config), notes };
}

export function defaultConfig(engine: Engine, input: DefaultConfigInput): DefaultConfig {
  return engine === 'sglang' ? sglangDefaultConfig(input) : vllmDefaultConfig(input);
}
