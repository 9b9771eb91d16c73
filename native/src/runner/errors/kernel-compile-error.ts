import type { CompileFailure } from '../../compile/types';

/** A kernel the runner needs did not compile (or is too large for the device). */
export class KernelCompileError extends Error {
  readonly code = 'MOE_KERNEL_COMPILE_FAILED';
  readonly failure: CompileFailure;
  constructor(what: string, failure: CompileFailure) {
    super(
      `${what}: ${failure.kind} (${failure.message.split('\n').slice(-3).join(' ').slice(0, 400)}); ` +
        (failure.kind === 'out_of_resources'
          ? 'pick a config with smaller blocks or fewer stages'
          : 'record this config as failed and skip it'),
    );
    this.name = 'KernelCompileError';
    this.failure = failure;
  }
}
