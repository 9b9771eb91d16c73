/** A parallel layout that does not divide the model (tp/ep vs. experts and intermediate size); the message names the valid values. */
export class IndivisibleShapeError extends Error {
  readonly code = 'MOE_INDIVISIBLE_SHAPE';
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'IndivisibleShapeError';
  }
}
