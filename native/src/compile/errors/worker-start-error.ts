/** A compile worker exited or spoke something other than the protocol before its hello; the message carries its stderr. */
export class WorkerStartError extends Error {
  readonly code = 'MOE_WORKER_START';
  constructor(message: string) {
    super(message);
    this.name = 'WorkerStartError';
  }
}
