/** A compile was requested from (or still queued in) a pool that is closed. */
export class CompilePoolClosedError extends Error {
  readonly code = 'MOE_COMPILE_POOL_CLOSED';
  constructor(message: string) {
    super(message);
    this.name = 'CompilePoolClosedError';
  }
}
