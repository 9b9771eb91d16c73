/** A MoE problem (shape, dtype mode, block shape) the reference or the runner cannot set up. */
export class InvalidProblemError extends Error {
  readonly code = 'MOE_INVALID_PROBLEM';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidProblemError';
  }
}
