/** A file is larger than the cap MoE Kit reads (config files are a few KB; the cap keeps hostile input out). */
export class FileTooLargeError extends Error {
  readonly code = 'MOE_FILE_TOO_LARGE' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FileTooLargeError';
  }
}
