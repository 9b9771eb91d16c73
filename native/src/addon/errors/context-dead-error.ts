/** The context hit a sticky driver error earlier; nothing more can run in it. */
export class ContextDeadError extends Error {
  readonly code = 'MOE_CONTEXT_DEAD';

  constructor(
    readonly operation: string,
    readonly deadReason: string,
  ) {
    super(
      `${operation}: the GPU context is dead since "${deadReason}"; restart the process (run GPU work in a worker process so that a faulting kernel only ends that process)`,
    );
    this.name = 'ContextDeadError';
  }
}
