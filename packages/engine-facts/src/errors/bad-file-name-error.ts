/** A config file name cannot be parsed or formatted for an engine. */
export class BadFileNameError extends Error {
  readonly code = 'MOE_BAD_FILE_NAME' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BadFileNameError';
  }
}
