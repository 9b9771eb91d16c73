/** The GPU could not run the bench: no device, the addon or driver refused, or a measurement gave no number. */
export class BenchDeviceError extends Error {
  readonly code = 'MOE_BENCH_DEVICE' as const;
  /** The machine refused (no GPU, a driver failure): the `moe` command exits 4. */
  readonly kind = 'machine' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BenchDeviceError';
  }
}
