import type { KernelConfig as StoredKernelConfig } from '@moe/config-store';

/**
 * The six launch parameters of the fused-MoE GEMM that the tuner searches: @moe/config-store's
 * KernelConfig without its optional engine- and ROCm-specific fields.
 */
export type KernelConfig = Pick<StoredKernelConfig, 'BLOCK_SIZE_M' | 'BLOCK_SIZE_N' | 'BLOCK_SIZE_K' | 'GROUP_SIZE_M' | 'num_warps' | 'num_stages'>;

/** The parameters in the engines' key order (the order config files write them in). */
export const CONFIG_PARAMS = [
  'BLOCK_SIZE_M',
  'BLOCK_SIZE_N',
  'BLOCK_SIZE_K',
  'GROUP_SIZE_M',
  'num_warps',
  'num_stages',
] as const satisfies readonly (keyof KernelConfig)[];

export type ConfigParam = (typeof CONFIG_PARAMS)[number];

/** A stable string key of a config ("64/128/64/1/4/3"), for maps and sets. */
export function configKey(config: KernelConfig): string {
  return CONFIG_PARAMS.map((p) => config[p]).join('/');
}

/** The config with its keys in the engines' order (a fresh object). */
export function orderedConfig(config: KernelConfig): KernelConfig {
  return {
    BLOCK_SIZE_M: config.BLOCK_SIZE_M,
    BLOCK_SIZE_N: config.BLOCK_SIZE_N,
    BLOCK_SIZE_K: config.BLOCK_SIZE_K,
    GROUP_SIZE_M: config.GROUP_SIZE_M,
    num_warps: config.num_warps,
    num_stages: config.num_stages,
  };
}

/** "BLOCK 64x128x64, GROUP 1, 4 warps, 3 stages": how the CLI prints a config. */
export function describeConfig(config: KernelConfig): string {
  return (
    `BLOCK ${config.BLOCK_SIZE_M}x${config.BLOCK_SIZE_N}x${config.BLOCK_SIZE_K}, ` +
    `GROUP ${config.GROUP_SIZE_M}, ${config.num_warps} warps, ${config.num_stages} stages`
  );
}
