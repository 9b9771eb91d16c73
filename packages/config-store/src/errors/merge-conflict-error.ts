/** Merge inputs disagree on a batch key and carry no measurements to decide (use --prefer). */
export class MergeConflictError extends Error {
  readonly code = 'MOE_MERGE_CONFLICT' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MergeConflictError';
  }
}
