/** The context, or a resource of it, was used after close(). */
export class ContextClosedError extends Error {
  readonly code = 'MOE_CONTEXT_CLOSED';

  constructor(readonly operation: string) {
    super(`${operation}: the GPU context was closed; open a new one with openContext()`);
    this.name = 'ContextClosedError';
  }
}
