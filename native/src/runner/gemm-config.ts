/**
 * The six launch parameters of the fused-MoE GEMM (the entries of an engine's config file).
 * Structurally the same as @moe/tuner's KernelConfig.
 */
export interface GemmConfig {
  readonly BLOCK_SIZE_M: number;
  readonly BLOCK_SIZE_N: number;
  readonly BLOCK_SIZE_K: number;
  readonly GROUP_SIZE_M: number;
  readonly num_warps: number;
  readonly num_stages: number;
}

/** "64/128/64/1/4/3": BLOCK_SIZE_M/N/K, GROUP_SIZE_M, num_warps, num_stages. */
export function gemmConfigKey(c: GemmConfig): string {
  return [c.BLOCK_SIZE_M, c.BLOCK_SIZE_N, c.BLOCK_SIZE_K, c.GROUP_SIZE_M, c.num_warps, c.num_stages].join('/');
}
