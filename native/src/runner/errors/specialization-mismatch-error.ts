/** A launch value breaks the integer/pointer specialisation its binary was compiled for. */
export class SpecializationMismatchError extends Error {
  readonly code = 'MOE_SPECIALIZATION_MISMATCH';
  constructor(kernel: string, param: string, value: number | bigint, spec: string) {
    super(
      `kernel ${kernel}: ${param}=${value} breaks the "${spec}" specialisation it was compiled with; ` +
        'compile a variant for these values (jitSpecialization of the real arguments)',
    );
    this.name = 'SpecializationMismatchError';
  }
}
