/**
 * The installed engine's kernel has a parameter (or a launch rule) that MoE Kit's binding does
 * not know: it refuses to launch it rather than launch it differently from the engine.
 */
export class UnknownEngineParamError extends Error {
  readonly code = 'MOE_UNKNOWN_ENGINE_PARAM';
  constructor(message: string) {
    super(message);
    this.name = 'UnknownEngineParamError';
  }
}
