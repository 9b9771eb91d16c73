/** A saved bench record (the JSON a bench run writes) cannot be read: not JSON, another version, a field out of range. */
export class BenchRecordError extends Error {
  readonly code = 'MOE_BENCH_RECORD' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BenchRecordError';
  }
}
