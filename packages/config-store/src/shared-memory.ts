import type { ElementBytes } from './element-bytes';
import type { GpuInfo } from './gpu-info';
import type { TileConfig } from '@moe/engine-facts';

/** The four fields of a config the estimate reads. */
export type SharedMemoryTile = Pick<TileConfig, 'BLOCK_SIZE_M' | 'BLOCK_SIZE_N' | 'BLOCK_SIZE_K' | 'num_stages'>;

export interface SharedMemoryContext {
  /** Element sizes of the A, B and output tiles (`elementBytes(dtype)`). */
  bytes: ElementBytes;
  /** [block_n, block_k] under block quantization (BLOCK_SIZE_K is clamped), else null/absent. */
  blockShape?: readonly [number, number] | null;
  /** The GPU (its wgmma threshold decides the buffer count); absent: no wgmma. */
  gpu?: Pick<GpuInfo, 'wgmmaMinBlockM'> | null;
}

/**
 * Shared memory (bytes) Triton 3.6 allocates for one block of the fused-MoE GEMM.
 *
 * The software pipeliner keeps several K-steps of the A tile (BLOCK_M x BLOCK_K) and the B tile
 * (BLOCK_K x BLOCK_N) in shared memory. With warp-group MMA (BLOCK_M >= the GPU's
 * `wgmmaMinBlockM`, 64 on Hopper) the MMA reads both operands from shared memory, so all
 * `num_stages` buffers are live; with mma.sync the operands go through registers and
 * max(1, num_stages - 1) buffers suffice. After the K loop the same memory is reused for the
 * output tile's layout conversion (BLOCK_M x BLOCK_N), so the block needs the larger of the two.
 * Under block quantization the engines launch BLOCK_K clamped to min(block_n, block_k).
 *
 * On the recorded H200 table (Triton 3.6.0) this equals the "Required" bytes of all 588
 * OutOfResources failures and rules out none of the 1,284 configs that compiled (@moe/tuner's
 * SEARCH.md). Older Tritons may need less: see `sharedMemoryLowerBound`.
 */
export function estimateSharedMemory(config: SharedMemoryTile, ctx: SharedMemoryContext): number {
  const m = config.BLOCK_SIZE_M;
  const threshold = ctx.gpu?.wgmmaMinBlockM ?? null;
  const stages = config.num_stages;
  const buffers = threshold !== null && m >= threshold ? Math.max(1, stages) : Math.max(1, stages - 1);
  const pipeline = buffers * tileBytes(config, ctx);
  const epilogue = m * config.BLOCK_SIZE_N * ctx.bytes.out;
  return Math.ceil(Math.max(pipeline, epilogue));
}

/**
 * The least shared memory (bytes) any Triton version MoE Kit knows needs for one block:
 * max(1, num_stages - 1) buffers of the A and B tiles, no epilogue term. A config over the GPU's
 * limit even by this count cannot compile anywhere. (On the reference corpus only four entries of
 * one vLLM file exceed it, E=128,N=8960,...,dtype=bf16.json, a name vLLM never asks for.)
 */
export function sharedMemoryLowerBound(config: SharedMemoryTile, ctx: Omit<SharedMemoryContext, 'gpu'>): number {
  return Math.ceil(Math.max(1, config.num_stages - 1) * tileBytes(config, ctx));
}

/** Bytes of one pipeline buffer: the A tile plus the B tile at the launched BLOCK_K. */
function tileBytes(config: SharedMemoryTile, ctx: Omit<SharedMemoryContext, 'gpu'>): number {
  const k = effectiveBlockK(config.BLOCK_SIZE_K, ctx.blockShape ?? null);
  return config.BLOCK_SIZE_M * k * ctx.bytes.a + k * config.BLOCK_SIZE_N * ctx.bytes.b;
}

/** BLOCK_SIZE_K as the kernel is launched: clamped to min(block_n, block_k) under block quantization. */
export function effectiveBlockK(blockK: number, blockShape: readonly [number, number] | null): number {
  if (blockShape && blockShape[0] > 0 && blockShape[1] > 0) return Math.min(blockK, blockShape[0], blockShape[1]);
  return blockK;
}

/** How a config stands against a GPU's shared-memory limit. */
export type SharedMemoryVerdict =
  /** Fits under Triton 3.6's rule (and so under the lower bound too). */
  | { fits: true; limit: number; triton36: number; lowerBound: number }
  /**
   * Over the limit. `everywhere`: even the lower bound is over, no Triton compiles it;
   * otherwise only Triton 3.6's rule is over (older Tritons may compile it).
   */
  | { fits: false; everywhere: boolean; limit: number; triton36: number; lowerBound: number };

/**
 * Both estimates against the GPU's per-block limit, or null when nothing can be said (a GPU
 * without a checked limit).
 */
export function checkSharedMemory(config: SharedMemoryTile, ctx: SharedMemoryContext & { gpu: GpuInfo }): SharedMemoryVerdict | null {
  const limit = ctx.gpu.sharedMemoryPerBlock;
  if (limit === null) return null;
  const triton36 = estimateSharedMemory(config, ctx);
  const lowerBound = sharedMemoryLowerBound(config, ctx);
  // triton36 >= lowerBound: it counts at least as many buffers and adds the epilogue floor.
  if (triton36 <= limit) return { fits: true, limit, triton36, lowerBound };
  return { fits: false, everywhere: lowerBound > limit, limit, triton36, lowerBound };
}
