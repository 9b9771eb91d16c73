/** A runner request that cannot be carried out as asked (e.g. up and down BLOCK_SIZE_M differ). */
export class RunnerArgumentError extends Error {
  readonly code = 'MOE_RUNNER_ARGUMENT';
  constructor(message: string) {
    super(message);
    this.name = 'RunnerArgumentError';
  }
}
