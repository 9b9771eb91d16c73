/** A model source (path, hub id, catalog name) that leads to no config.json. */
export class ModelNotFoundError extends Error {
  readonly code = 'MOE_MODEL_NOT_FOUND';
  /** Bad input: the `moe` command exits 2. */
  readonly kind = 'bad-input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ModelNotFoundError';
  }
}
