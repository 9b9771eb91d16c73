/** An option value that is not allowed (engine, dtype, tp, ep, overrides). */
export class InvalidShapeOptionError extends Error {
  readonly code = 'MOE_INVALID_OPTION';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidShapeOptionError';
  }
}
