/** The GPU measure workers could not run: none starts, setup fails, or every GPU was lost mid-run. */
export class GpuWorkerError extends Error {
  readonly code = 'MOE_GPU_WORKER';
  /** The machine refused (no GPU, no driver, a worker that keeps dying): the `moe` command exits 4. */
  readonly kind = 'machine' as const;
  constructor(message: string) {
    super(message);
    this.name = 'GpuWorkerError';
  }
}
