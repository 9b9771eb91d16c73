import { TILE_CONFIG_FIELDS, type TileConfig, type TileConfigField } from './kernel-config';

/** The values the engines' tuners (SGLang, vLLM) search, per parameter (ENGINES.md): 1,920 configs. */
export const ENGINE_GRID_VALUES: Readonly<Record<TileConfigField, readonly number[]>> = {
  BLOCK_SIZE_M: [16, 32, 64, 128, 256],
  BLOCK_SIZE_N: [32, 64, 128, 256],
  BLOCK_SIZE_K: [64, 128, 256],
  GROUP_SIZE_M: [1, 16, 32, 64],
  num_warps: [4, 8],
  num_stages: [2, 3, 4, 5],
};

/** The grid's configs in the engines' order (BLOCK_SIZE_M outermost, num_stages innermost). */
export function engineGrid(values: Readonly<Record<TileConfigField, readonly number[]>> = ENGINE_GRID_VALUES): TileConfig[] {
  let out: Partial<TileConfig>[] = [{}];
  for (const param of TILE_CONFIG_FIELDS) {
    out = out.flatMap((partial) => values[param].map((v) => ({ ...partial, [param]: v })));
  }
  return out as TileConfig[];
}

/** A config from its six numbers in file order: BLOCK_SIZE_M/N/K, GROUP_SIZE_M, num_warps, num_stages. */
export function tileConfig(m: number, n: number, k: number, g: number, w: number, s: number): TileConfig {
  return { BLOCK_SIZE_M: m, BLOCK_SIZE_N: n, BLOCK_SIZE_K: k, GROUP_SIZE_M: g, num_warps: w, num_stages: s };
}
