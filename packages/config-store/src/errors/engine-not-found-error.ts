/** No installed engine was found from a Python interpreter or a site-packages folder. */
export class EngineNotFoundError extends Error {
  readonly code = 'MOE_ENGINE_NOT_FOUND' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineNotFoundError';
  }
}
