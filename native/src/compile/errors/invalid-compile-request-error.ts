/** A compile request that names an unknown kernel or param, misses a constexpr, or has a bad target/option; the message names the field and the fix. */
export class InvalidCompileRequestError extends Error {
  readonly code = 'MOE_INVALID_COMPILE_REQUEST';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCompileRequestError';
  }
}
