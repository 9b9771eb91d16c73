import type { ElementBytes } from './element-bytes';
import type { GpuLimits } from './gpu-limits';
import type { KernelConfig } from './kernel-config';

/**
 * Estimated shared memory (bytes) Triton allocates for one block of the fused-MoE GEMM.
 *
 * The software pipeliner keeps several K-steps of the A tile (BLOCK_M x BLOCK_K) and the B tile
 * (BLOCK_K x BLOCK_N) in flight in shared memory. With warp-group MMA (Hopper, BLOCK_M >= 64)
 * both operands are read from shared memory by the MMA itself, so all `num_stages` buffers are
 * live; with mma.sync the operands go through registers and `num_stages - 1` buffers suffice.
 * After the loop the same memory is reused for the output tile's layout conversion
 * (BLOCK_M x BLOCK_N), so the block needs the larger of the two.
 *
 * On the recorded H200 table (Triton 3.6.0) this reproduces the "Required" bytes of all 588
 * OutOfResources failures exactly and prunes no config that compiled (see SEARCH.md).
 */
export function estimateSharedMemory(config: KernelConfig, gpu: GpuLimits, bytes: ElementBytes): number {
  const { BLOCK_SIZE_M: m, BLOCK_SIZE_N: n, BLOCK_SIZE_K: k, num_stages: stages } = config;
  const buffers = m >= gpu.wgmmaMinBlockM ? stages : Math.max(1, stages - 1);
  const pipeline = buffers * (m * k * bytes.a + k * n * bytes.b);
  const epilogue = m * n * bytes.out;
  return Math.ceil(Math.max(pipeline, epilogue));
}

/** True when the estimate exceeds what one block may use on this GPU (Triton would fail). */
export function exceedsSharedMemory(config: KernelConfig, gpu: GpuLimits, bytes: ElementBytes): boolean {
  return estimateSharedMemory(config, gpu, bytes) > gpu.sharedMemoryBytes;
}
