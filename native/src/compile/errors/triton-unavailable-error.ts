/** The compile worker's interpreter cannot import Triton (or MoE Kit's kernels with it); the message says why and which interpreter. */
export class TritonUnavailableError extends Error {
  readonly code = 'MOE_TRITON_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'TritonUnavailableError';
  }
}
