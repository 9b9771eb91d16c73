/** The Python package moe_kit_kernels could not be found next to @moe/native (or at options.kernelsDir). */
export class KernelsNotFoundError extends Error {
  readonly code = 'MOE_KERNELS_NOT_FOUND';
  constructor(message: string) {
    super(message);
    this.name = 'KernelsNotFoundError';
  }
}
