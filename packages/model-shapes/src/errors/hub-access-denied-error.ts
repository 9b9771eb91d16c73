/** The Hugging Face hub refused access (gated or private repository, bad token). */
export class HubAccessDeniedError extends Error {
  readonly code = 'MOE_HUB_ACCESS_DENIED';
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'HubAccessDeniedError';
  }
}
