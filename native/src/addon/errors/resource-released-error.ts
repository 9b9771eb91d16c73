/** A buffer, module, stream, event or graph was used after it was freed or destroyed. */
export class ResourceReleasedError extends Error {
  readonly code = 'MOE_RESOURCE_RELEASED';

  constructor(
    readonly operation: string,
    readonly resource: string,
  ) {
    super(`${operation}: the ${resource} was already freed or destroyed; create a new one`);
    this.name = 'ResourceReleasedError';
  }
}
