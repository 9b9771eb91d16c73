/** A folder does not hold an engine's config tree (or does not exist). */
export class TreeNotFoundError extends Error {
  readonly code = 'MOE_TREE_NOT_FOUND' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TreeNotFoundError';
  }
}
