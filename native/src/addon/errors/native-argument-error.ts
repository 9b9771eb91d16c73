/** An argument of an addon call is wrong: the message names it, what is wrong and the fix. */
export class NativeArgumentError extends Error {
  readonly code = 'MOE_NATIVE_INVALID_ARGUMENT';

  constructor(
    /** The argument, e.g. "alloc(bytes)" or "launch(options.params[3])". */
    readonly argument: string,
    problem: string,
    fix: string,
  ) {
    super(`${argument}: ${problem}; ${fix}`);
    this.name = 'NativeArgumentError';
  }
}
