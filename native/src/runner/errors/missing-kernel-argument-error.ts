/** A compiled kernel asks for a parameter the runner has no value for (kernel and runner disagree). */
export class MissingKernelArgumentError extends Error {
  readonly code = 'MOE_MISSING_KERNEL_ARGUMENT';
  constructor(kernel: string, param: string, known: readonly string[]) {
    super(
      `kernel ${kernel}: no value for its runtime parameter "${param}" (the runner passes ${known.join(', ')}); ` +
        'the kernel source and the runner disagree: update the runner for the kernel\'s parameters',
    );
    this.name = 'MissingKernelArgumentError';
  }
}
