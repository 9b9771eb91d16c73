/** The engine would fail at this point (a file it cannot load, an entry it cannot launch, a folder it cannot sort). */
export class EngineWouldFailError extends Error {
  readonly code = 'MOE_ENGINE_WOULD_FAIL' as const;
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineWouldFailError';
  }
}
