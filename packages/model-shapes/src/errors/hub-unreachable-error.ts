/** The Hugging Face hub (HF_ENDPOINT) could not be reached or answered with an error. */
export class HubUnreachableError extends Error {
  readonly code = 'MOE_HUB_UNREACHABLE';
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'HubUnreachableError';
  }
}
