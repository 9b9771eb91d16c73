import { NativeArgumentError } from './errors/native-argument-error';
import { toDim3 } from './kernel-params';
import type { Context, DeviceBuffer, Dim3, KernelParam, TritonScratchSpec } from './types';
import { checkInteger } from './validate';

/** The largest alignment a plain allocation guarantees (cuMemAlloc: 256 bytes). */
const ALLOC_ALIGN = 256;

/** Bytes of one Triton scratch area for a launch: per program (grid product) and per CTA. */
export function tritonScratchBytes(sizePerProgram: number, grid: Dim3, numCtas = 1): number {
  const [x, y, z] = toDim3('tritonScratchBytes(grid)', grid, [2 ** 31 - 1, 65535, 65535]);
  return sizePerProgram * x * y * z * numCtas;
}

/**
 * Triton 3.6 appends two pointer parameters to every kernel: global scratch, then profile
 * scratch. Returns those two parameters for a launch over `grid` (null pointers when the
 * metadata's sizes are 0) and the buffers allocated for them, which the caller frees after the
 * launches (or graph replays) that use them.
 */
export function tritonScratchParams(
  ctx: Context,
  meta: TritonScratchSpec,
  grid: Dim3,
): { params: [KernelParam, KernelParam]; buffers: DeviceBuffer[] } {
  const buffers: DeviceBuffer[] = [];
  const numCtas = checkInteger('tritonScratchParams(meta.num_ctas)', meta.num_ctas ?? 1, 1, 64);
  const one = (kind: 'global' | 'profile'): KernelParam => {
    const size = checkInteger(`tritonScratchParams(meta.${kind}_scratch_size)`, meta[`${kind}_scratch_size`] ?? 0, 0, 2 ** 31);
    const align = checkInteger(`tritonScratchParams(meta.${kind}_scratch_align)`, meta[`${kind}_scratch_align`] ?? 1, 1, 2 ** 20);
    if (size === 0) return { type: 'ptr', value: null };
    if (align > ALLOC_ALIGN) {
      throw new NativeArgumentError(
        `tritonScratchParams(meta.${kind}_scratch_align)`,
        `${align} is more than the ${ALLOC_ALIGN}-byte alignment of a device allocation`,
        'report this kernel: its scratch needs a special allocation',
      );
    }
    const buffer = ctx.alloc(tritonScratchBytes(size, grid, numCtas));
    buffers.push(buffer);
    return { type: 'ptr', value: buffer };
  };
  return { params: [one('global'), one('profile')], buffers };
}
