import { operandBytes } from './dtype';
import type { KernelConfig } from './kernel-config';

export interface SharedMemoryContext {
  /** dtype part of the file name (null: bf16/fp16). */
  dtype: string | null;
  /** [block_n, block_k] when block-quantized. */
  blockShape: [number, number] | null;
}

/**
 * Estimated shared memory (bytes) one block of the fused-MoE kernel needs: the A tile
 * (BLOCK_M x BLOCK_K activations) and B tile (BLOCK_K x BLOCK_N weights) times the buffers the
 * software pipeline keeps, max(1, num_stages - 1). With block quantization the engines clamp
 * BLOCK_K to min(block_n, block_k) at launch, so that is what is staged. Calibrated on the
 * reference corpus: no tuned NVIDIA file exceeds its GPU's limit under this estimate, while
 * counting num_stages buffers would flag 150+ entries that were measured on those GPUs.
 * Returns null for a dtype whose operand sizes are unknown.
 */
export function estimateSharedMemory(config: KernelConfig, ctx: SharedMemoryContext): number | null {
  const bytes = operandBytes(ctx.dtype);
  if (!bytes) return null;
  const k = effectiveBlockK(config.BLOCK_SIZE_K, ctx.blockShape);
  const perStage = config.BLOCK_SIZE_M * k * bytes.a + k * config.BLOCK_SIZE_N * bytes.b;
  return Math.max(1, config.num_stages - 1) * perStage;
}

/** BLOCK_SIZE_K as the kernel is launched: clamped to min(block_n, block_k) under block quantization. */
export function effectiveBlockK(blockK: number, blockShape: [number, number] | null): number {
  if (blockShape && blockShape[0] > 0 && blockShape[1] > 0) return Math.min(blockK, blockShape[0], blockShape[1]);
  return blockK;
}
