/** A search option that is not allowed (strategy name, budget, jitter, seed, batch sizes). */
export class InvalidSearchOptionError extends Error {
  readonly code = 'MOE_INVALID_SEARCH_OPTION';
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSearchOptionError';
  }
}
