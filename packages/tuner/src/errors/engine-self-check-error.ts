/**
 * The engine's own launch and MoE Kit's launch of its kernel differ (launch arguments, grid, or
 * output bytes): this engine version's launch is not understood, so nothing is measured on it.
 */
export class EngineSelfCheckError extends Error {
  readonly code = 'MOE_ENGINE_SELF_CHECK';
  /** The installed engine is one MoE Kit cannot launch faithfully: the `moe` command exits 4. */
  readonly kind = 'machine' as const;
  constructor(message: string) {
    super(message);
    this.name = 'EngineSelfCheckError';
  }
}
