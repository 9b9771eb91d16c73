/** A MoE config whose top-k, expert width or hidden size is missing or ambiguous; the message lists the candidate keys and the override flag. */
export class UnresolvedMoeFieldError extends Error {
  readonly code = 'MOE_UNRESOLVED_FIELD';
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UnresolvedMoeFieldError';
  }
}
