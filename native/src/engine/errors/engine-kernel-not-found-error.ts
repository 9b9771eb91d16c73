/** An engine kernel was asked for, but the interpreter has no SGLang or vLLM whose kernel loads. */
export class EngineKernelNotFoundError extends Error {
  readonly code = 'MOE_ENGINE_KERNEL_NOT_FOUND';
  constructor(message: string) {
    super(message);
    this.name = 'EngineKernelNotFoundError';
  }
}
