/** An argument or option given to the API or the CLI is invalid (the message names it and the accepted values). */
export class BadArgumentError extends Error {
  readonly code = 'MOE_BAD_ARGUMENT' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BadArgumentError';
  }
}
