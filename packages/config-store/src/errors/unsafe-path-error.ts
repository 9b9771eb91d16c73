/** A name or path would leave the tree it belongs to: /, \\, .., NUL, or a symlink that points outside. */
export class UnsafePathError extends Error {
  readonly code = 'MOE_UNSAFE_PATH' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnsafePathError';
  }
}
