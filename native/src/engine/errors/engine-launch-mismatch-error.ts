/**
 * The self-check found MoE Kit's launch of the engine's kernel different from the engine's own
 * launch (arguments, grid, or output bytes): that engine version's launch is not understood.
 */
export class EngineLaunchMismatchError extends Error {
  readonly code = 'MOE_ENGINE_LAUNCH_MISMATCH';
  constructor(message: string) {
    super(message);
    this.name = 'EngineLaunchMismatchError';
  }
}
