import type { Issue } from './finding';
import { issue } from './finding';
import type { ElementBytes } from './element-bytes';
import type { GpuInfo } from './gpu-info';
import { checkSharedMemory, type SharedMemoryTile } from './shared-memory';

/**
 * The shared-memory finding for one entry, or null when it fits (or nothing can be checked).
 * - `shared-memory` (error): over the limit even by the lower bound (num_stages - 1 buffers, no
 *   epilogue): no Triton MoE Kit knows compiles it.
 * - `shared-memory-triton36` (warning): over only by Triton 3.6's measured rule; Tritons that
 *   buffer num_stages - 1 tiles (those the file may have been tuned with) can compile it.
 */
export function sharedMemoryProblem(
  config: SharedMemoryTile,
  ctx: { bytes: ElementBytes | null; blockShape: readonly [number, number] | null; gpu: GpuInfo | null; deviceName: string },
): Issue | null {
  if (!ctx.bytes || !ctx.gpu) return null;
  const v = checkSharedMemory(config, { bytes: ctx.bytes, blockShape: ctx.blockShape, gpu: ctx.gpu });
  if (!v || v.fits) return null;
  const kb = (n: number) => n / 1024;
  if (v.everywhere) {
    return issue(
      'error',
      'shared-memory',
      `needs about ${Math.ceil(kb(v.lowerBound))} KB of shared memory even at num_stages - 1 tile buffers (${v.lowerBound} bytes; Triton 3.6 needs ${v.triton36}), over the ${kb(v.limit)} KB ${ctx.deviceName} allows per block; the launch fails with OutOfResources on every Triton`,
      'lower num_stages or the block sizes, or retune on this GPU',
    );
  }
  const rule = ctx.gpu.wgmmaRuleMeasured ? 'Triton 3.6' : `Triton 3.6 (by its rule measured on Hopper, assumed for ${ctx.gpu.arch})`;
  return issue(
    'warning',
    'shared-memory-triton36',
    `${rule} needs ${v.triton36} bytes of shared memory per block, over the ${v.limit} bytes ${ctx.deviceName} allows, so the kernel fails to compile there (OutOfResources at run time); Tritons that buffer num_stages - 1 tiles need ${v.lowerBound}`,
    'retune with the Triton you run, or drop the entry',
  );
}
