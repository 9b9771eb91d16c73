/** openContext() was given a device that is not there. */
export class DeviceNotFoundError extends Error {
  readonly code = 'MOE_NO_DEVICE';

  constructor(
    readonly requested: string,
    readonly available: number,
    readonly reason: string | null,
  ) {
    super(
      available === 0
        ? `device ${requested}: no GPU is available (${reason ?? 'no devices'}); run on a machine with a GPU and its driver`
        : `device ${requested}: no such device; pick an index from 0 to ${available - 1} (see \`moe devices\`)`,
    );
    this.name = 'DeviceNotFoundError';
  }
}
