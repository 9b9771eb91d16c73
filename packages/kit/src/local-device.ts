/**
 * The name of the local GPU as its driver reports it ("NVIDIA H100 80GB HBM3"), or null when
 * there is none. Commands use it when --device-name is not given.
 * It never throws: no driver, no GPU or no native addon all give null.
 */
export async function localDeviceName(): Promise<string | null> {
  try {
    const { probeDevices } = await import('@moe/native');
    return probeDevices().devices[0]?.name ?? null;
  } catch {
    return null;
  }
}
