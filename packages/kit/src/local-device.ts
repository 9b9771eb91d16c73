/**
 * The name of the local GPU as its driver reports it ("NVIDIA H100 80GB HBM3"), or null when
 * there is none. Commands use it when --device-name is not given.
 * Owned by @moe/native's integration: it must never throw (no driver, no addon -> null).
 */
export async function localDeviceName(): Promise<string | null> {
  // Filled in when @moe/native exposes device probing.
  return null;
}
