/** The Hugging Face hub (HF_ENDPOINT) could not be reached or answered with an error. */
export class HubUnreachableError extends Error {
  readonly code = 'MOE_HUB_UNREACHABLE';
  constructor(message: string) {
    super(message);
    this.name = 'HubUnreachableError';
  }
}
