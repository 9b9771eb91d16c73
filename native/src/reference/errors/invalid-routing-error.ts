/** A routing (generated or read from a file) that cannot drive a MoE layer. */
export class InvalidRoutingError extends Error {
  readonly code = 'MOE_INVALID_ROUTING';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRoutingError';
  }
}
