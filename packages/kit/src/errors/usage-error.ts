/** A flag of the `moe` command is missing, malformed or not allowed with another; the message names the flag and the fix. */
export class UsageError extends Error {
  readonly code = 'MOE_USAGE' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}
