import { elementBytes, estimateSharedMemory, type ElementBytes, type GpuInfo } from '@moe/config-store';
import { engineGrid, type Engine, type TileConfig } from '@moe/engine-facts';

// The engines' grid (ENGINE_GRID_VALUES, engineGrid) is an engine fact: @moe/engine-facts.

export interface SearchSpaceOptions {
  /**
   * Prune configs whose shared memory (Triton 3.6's rule, @moe/config-store's
   * estimateSharedMemory) exceeds this GPU's limit; none when absent or without a limit.
   */
  gpu?: GpuInfo | null;
  /** The engine dtype string (`fp8_w8a8`, `int8_w8a16`, ...); bf16/fp16 when absent. */
  dtype?: string | null;
  /** Block-wise quantization [block_n, block_k] (fp8 block [128, 128]); none when absent. */
  blockShape?: readonly [number, number] | null;
  /** Whose rules apply (both engines' tuners prune block-wise fp8 the same way today). */
  engine?: Engine;
}

export type PruneReason = 'shared-memory' | 'block-quant';

export interface PrunedConfig {
  config: TileConfig;
  reason: PruneReason;
  /** Estimated shared-memory bytes (for shared-memory pruning). */
  sharedMemoryBytes?: number;
}

/** The configs a search may try, and those ruled out before compiling (with why). */
export interface SearchSpace {
  candidates: TileConfig[];
  pruned: PrunedConfig[];
}

/** A dtype string of unknown element sizes is estimated as 16-bit (the engines' default). */
const SIXTEEN_BIT: ElementBytes = { a: 2, b: 2, out: 2 };

/**
 * The search space: the given configs (the engines' grid by default) less those that cannot run.
 * Block-wise fp8 keeps BLOCK_SIZE_K a divisor of block_k, as both engines' tuners do
 * (`block_k % BLOCK_SIZE_K == 0`). The kernels load one activation and one weight scale per
 * BLOCK_SIZE_K step (`k * BLOCK_SIZE_K // group_k`): SGLang launches the config as written, so a
 * step wider than the block applies one block's scale to the next and computes wrong results
 * (measured on an H200: BLOCK_SIZE_K 256 on [128, 128] blocks, relative error 0.4-0.5 against
 * the float64 reference); vLLM launches min(BLOCK_SIZE_K, block), so there 256 is the 128
 * config again. The weight scale is read per output column, so BLOCK_SIZE_N is free. With a GPU,
 * configs whose shared memory would exceed its limit are dropped.
 */
export function buildSearchSpace(configs: readonly TileConfig[] = engineGrid(), options: SearchSpaceOptions = {}): SearchSpace {
  const bytes = elementBytes(options.dtype) ?? SIXTEEN_BIT;
  const block = options.blockShape && options.blockShape[0] > 0 && options.blockShape[1] > 0 ? options.blockShape : null;
  const limit = options.gpu?.sharedMemoryPerBlock ?? null;
  const candidates: TileConfig[] = [];
  const pruned: PrunedConfig[] = [];
  for (const config of configs) {
    if (block) {
      const bk = block[1];
      if (bk % config.BLOCK_SIZE_K !== 0) {
        pruned.push({ config, reason: 'block-quant' });
        continue;
      }
    }
    if (limit !== null) {
      const need = estimateSharedMemory(config, { bytes, blockShape: block, gpu: options.gpu });
      if (need > limit) {
        pruned.push({ config, reason: 'shared-memory', sharedMemoryBytes: need });
        continue;
      }
    }
    candidates.push(config);
  }
  return { candidates, pruned };
}
