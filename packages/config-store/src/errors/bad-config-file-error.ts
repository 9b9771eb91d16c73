/** A config file's content cannot be used: not UTF-8, invalid JSON, too deep, or entries the engine cannot load. */
export class BadConfigFileError extends Error {
  readonly code = 'MOE_BAD_CONFIG_FILE' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BadConfigFileError';
  }
}
