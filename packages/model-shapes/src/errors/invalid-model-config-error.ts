/** A config.json that is not valid JSON or not a JSON object. */
export class InvalidModelConfigError extends Error {
  readonly code = 'MOE_INVALID_MODEL_CONFIG';
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidModelConfigError';
  }
}
