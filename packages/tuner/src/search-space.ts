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
  /** Whose dtype rules apply: vLLM also keeps BLOCK_SIZE_N a multiple of block_n. */
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
 * Block-wise fp8 keeps BLOCK_SIZE_K a multiple of block_k (and, in vLLM, BLOCK_SIZE_N a multiple
 * of block_n); with a GPU, configs whose shared memory would exceed its limit are dropped.
 */
export function buildSearchSpace(configs: readonly TileConfig[] = engineGrid(), options: SearchSpaceOptions = {}): SearchSpace {
  const bytes = elementBytes(options.dtype) ?? SIXTEEN_BIT;
  const block = options.blockShape && options.blockShape[0] > 0 && options.blockShape[1] > 0 ? options.blockShape : null;
  const limit = options.gpu?.sharedMemoryPerBlock ?? null;
  const candidates: TileConfig[] = [];
  const pruned: PrunedConfig[] = [];
  for (const config of configs) {
    if (block) {
      const [bn, bk] = block;
      const badK = config.BLOCK_SIZE_K % bk !== 0;
      const badN = options.engine === 'vllm' && config.BLOCK_SIZE_N % bn !== 0;
      if (badK || badN) {
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
