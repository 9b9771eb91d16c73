import type { Backend } from '../types';

/** What the addon reports for a failed driver call. */
export interface DriverFailure {
  /** The driver entry point, e.g. "cuMemAlloc" or "hipModuleLaunchKernel". */
  readonly call: string;
  readonly status: number;
  /** The driver's name for the status, e.g. "CUDA_ERROR_ILLEGAL_ADDRESS". */
  readonly errorName: string;
  /** The driver's text for it, e.g. "an illegal memory access was encountered". */
  readonly errorText: string;
  /** A sticky error: the context is dead and only a new process can use the GPU again. */
  readonly sticky: boolean;
  readonly backend: Backend;
}

function fixFor(f: DriverFailure): string {
  if (f.sticky) {
    return 'the GPU context is now dead (a kernel faulted, e.g. an out-of-bounds access): restart the process, and check the kernel\'s arguments and grid';
  }
  switch (f.status) {
    case 2:
      return 'not enough device memory: free buffers or use smaller shapes';
    case 200:
    case 209:
    case 218:
      return 'the image is not a binary for this GPU: compile the kernel for this device\'s arch';
    case 500:
      return 'no kernel of that name in the module: use the name from the compile metadata';
    case 701:
      return 'the launch needs more registers, threads or shared memory than the GPU gives: use fewer warps, fewer stages or smaller blocks';
    case 1:
      return `an argument of ${f.call} is invalid: check sizes, offsets and the grid`;
    default:
      return `see the driver's message for ${f.call}`;
  }
}

/** A driver call failed. Carries the call, the driver's error name and text. */
export class DriverError extends Error implements DriverFailure {
  readonly code = 'MOE_DRIVER_ERROR';
  readonly call: string;
  readonly status: number;
  readonly errorName: string;
  readonly errorText: string;
  readonly sticky: boolean;
  readonly backend: Backend;

  constructor(failure: DriverFailure) {
    super(`${failure.call} failed: ${failure.errorName} (${failure.errorText}); ${fixFor(failure)}`);
    this.name = 'DriverError';
    this.call = failure.call;
    this.status = failure.status;
    this.errorName = failure.errorName;
    this.errorText = failure.errorText;
    this.sticky = failure.sticky;
    this.backend = failure.backend;
  }
}
