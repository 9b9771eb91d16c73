/** A config pack is malformed: missing or invalid manifest.json, or files that do not match it. */
export class BadPackError extends Error {
  readonly code = 'MOE_BAD_PACK' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BadPackError';
  }
}
