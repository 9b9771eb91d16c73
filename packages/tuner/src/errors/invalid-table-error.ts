/** A measured table (JSON) that is not valid: the message names the file, the field and the fix. */
export class InvalidTableError extends Error {
  readonly code = 'MOE_INVALID_TABLE';
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTableError';
  }
}
