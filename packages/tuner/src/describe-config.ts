import type { TileConfig } from '@moe/engine-facts';

/** "BLOCK 64x128x64, GROUP 1, 4 warps, 3 stages": how the CLI prints a config. */
export function describeConfig(config: TileConfig): string {
  return (
    `BLOCK ${config.BLOCK_SIZE_M}x${config.BLOCK_SIZE_N}x${config.BLOCK_SIZE_K}, ` +
    `GROUP ${config.GROUP_SIZE_M}, ${config.num_warps} warps, ${config.num_stages} stages`
  );
}
