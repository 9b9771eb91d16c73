/** A config without any expert-count key: a dense model, not a Mixture-of-Experts one. */
export class NotMoeModelError extends Error {
  readonly code = 'MOE_NOT_MOE_MODEL';
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'NotMoeModelError';
  }
}
