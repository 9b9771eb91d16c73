/** An option value that is not allowed (engine, dtype, tp, ep, overrides). */
export class InvalidShapeOptionError extends Error {
  readonly code = 'MOE_INVALID_OPTION';
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidShapeOptionError';
  }
}
