/** A bench option is invalid (a set spec, a batch size, a stage, a record file): the message names it and the fix. */
export class BenchOptionError extends Error {
  readonly code = 'MOE_BENCH_OPTION' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BenchOptionError';
  }
}
