/** Install would overwrite a different existing file (use --force after checking the differences). */
export class InstallConflictError extends Error {
  readonly code = 'MOE_INSTALL_CONFLICT' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InstallConflictError';
  }
}
